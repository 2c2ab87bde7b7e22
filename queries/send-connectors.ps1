# Which send connectors carried mail, and how many messages each (SMTP SEND and SENDEXTERNAL).
Get-TransportService | Get-MessageTrackingLog -ResultSize Unlimited | Where-Object {$_.EventId -like 'SEND*' -and $_.Source -eq 'SMTP'} | Group-Object ConnectorId -NoElement | Sort-Object Count -Descending
