# Messages over 1 MB as they arrived (one RECEIVE row per server that took them in),
# largest first (edit the size: 10MB, 25MB…).
Get-TransportService | Get-MessageTrackingLog -EventId RECEIVE -ResultSize Unlimited | Where-Object {$_.TotalBytes -gt 1MB} | Sort-Object TotalBytes -Descending | Select-Object Timestamp,Sender,Recipients,@{n='MB';e={[math]::Round($_.TotalBytes / 1MB, 2)}},MessageSubject
