# Everything one sender sent: each message once, as it was received (edit the address).
Get-MessageTrackingLog -Sender adele.vance@contoso.com -EventId RECEIVE -Source STOREDRIVER -ResultSize Unlimited | Select-Object Timestamp,Recipients,MessageSubject,TotalBytes
