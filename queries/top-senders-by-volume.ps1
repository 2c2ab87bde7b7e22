# The ten senders who sent the most megabytes (each message counted once, where it was
# submitted: RECEIVE from STOREDRIVER), largest first.
Get-MessageTrackingLog -EventId RECEIVE -Source STOREDRIVER -ResultSize Unlimited | Group-Object Sender | Select-Object Name,Count,@{n='MB';e={[math]::Round(($_.Group | Measure-Object TotalBytes -Sum).Sum / 1MB, 2)}} | Sort-Object MB -Descending | Select-Object -First 10
