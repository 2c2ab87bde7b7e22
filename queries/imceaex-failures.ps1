# IMCEAEX failures of the last two days: replies to old items of re-created or migrated
# mailboxes whose legacyExchangeDN Outlook still caches (550 5.1.1 RESOLVER.ADR.ExRecipNotFound).
# The fix is an X500 proxy on the mailbox that owns the DN (see `msgtrack report imcea`).
Get-TransportService | Get-MessageTrackingLog -EventID FAIL -Start (Get-Date).AddDays(-2) -ResultSize Unlimited | Where {$_.Recipients -match "^IMCEAEX"}
