# The twenty slowest deliveries to mailboxes: MessageLatency is the time from the message's
# first arrival in the organisation to this DELIVER (the cmdlet's own property).
Get-TransportService | Get-MessageTrackingLog -EventId DELIVER -ResultSize Unlimited | Sort-Object MessageLatency -Descending | Select-Object -First 20 Timestamp,Server,Sender,Recipients,MessageLatency,MessageSubject
