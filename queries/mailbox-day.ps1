# A mailbox's day: every event of yesterday where it sent or received (edit the address;
# with logs copied from another day, run with --now).
Get-TransportService | Get-MessageTrackingLog -Start (Get-Date).Date.AddDays(-1) -End (Get-Date).Date -ResultSize Unlimited | Where-Object {$_.Sender -eq 'adele.vance@contoso.com' -or $_.Recipients -contains 'adele.vance@contoso.com'} | Select-Object Timestamp,Server,EventId,Source,Sender,Recipients,MessageSubject
