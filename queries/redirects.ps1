# Forwarding and redirection: each REDIRECT row sends Recipients on to RelatedRecipientAddress.
# A chain that comes back to its start is a forwarding loop (then a FAIL 5.4.6 follows).
Get-MessageTrackingLog -EventId REDIRECT -ResultSize Unlimited | Select-Object Timestamp,Server,Recipients,RelatedRecipientAddress,MessageSubject
