# One message's events on every server, in time order (edit the subject, or use -MessageId).
Get-TransportService | Get-MessageTrackingLog -MessageSubject "Contract draft v3, comments by Monday" -ResultSize Unlimited | Format-Table Timestamp,Server,EventId,Source,Recipients,RelatedRecipientAddress
