# Who gets the non-delivery reports: failed recipients counted per sender, most first.
Get-TransportService | Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Group-Object Sender -NoElement | Sort-Object Count -Descending
