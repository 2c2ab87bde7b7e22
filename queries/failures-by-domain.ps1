# Failed recipients by their domain (a typo'd or dead domain stands out), most first.
Get-TransportService | Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Group-Object {($_.Recipients[0] -split '@')[-1]} -NoElement | Sort-Object Count -Descending
