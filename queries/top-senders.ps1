# The ten senders with the most messages received by the organisation (each message is
# counted once per RECEIVE row; msgtrack lists groups by count, largest first).
Get-MessageTrackingLog -EventId RECEIVE -ResultSize Unlimited | Group-Object Sender -NoElement | Select-Object -First 10
