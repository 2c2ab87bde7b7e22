# Mail handed to the Internet (SENDEXTERNAL is what 2016/2019 log for external next hops).
Get-MessageTrackingLog -EventId SENDEXTERNAL -ResultSize Unlimited | Select-Object Timestamp,Server,Sender,Recipients,RecipientStatus,ServerHostname
