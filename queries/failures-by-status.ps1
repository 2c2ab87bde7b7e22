# All failures of the last day, grouped by their status text, most frequent first.
Get-MessageTrackingLog -EventId FAIL -Start (Get-Date).AddDays(-1) -ResultSize Unlimited | Group-Object RecipientStatus -NoElement | Sort-Object Count -Descending
