# Deliveries refused because the mailbox is full (554 5.2.2): who was full, who wrote.
Get-TransportService | Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Where-Object {$_.RecipientStatus -match '5\.2\.2'} | Select-Object Timestamp,Recipients,Sender,MessageSubject
