# The ten senders with the most messages received by the organisation (each message is
# counted once per RECEIVE row), largest first.
Get-MessageTrackingLog -EventId RECEIVE -ResultSize Unlimited | Group-Object Sender -NoElement | Sort-Object Count -Descending | Select-Object -First 10
