# Deferred deliveries: who waited, for which next hop, and why (RecipientStatus holds the
# last error, MessageInfo the next retry time).
Get-MessageTrackingLog -EventId DEFER -ResultSize Unlimited | Select-Object Timestamp,Server,Recipients,ServerHostname,RecipientStatus,MessageInfo
