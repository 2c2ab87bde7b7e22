# Mail sent to a distribution group: the categorizer's EXPAND rows name the group in
# RelatedRecipientAddress and the members it added in Recipients (edit the group).
Get-MessageTrackingLog -EventId EXPAND -ResultSize Unlimited | Where {$_.RelatedRecipientAddress -eq "sales@contoso.com"} | Select-Object Timestamp,Sender,Recipients,MessageSubject
