# Mail handed to the Internet per day: messages and megabytes (SENDEXTERNAL rows; the day in
# the --tz zone, as the shell shows local time).
Get-TransportService | Get-MessageTrackingLog -EventId SENDEXTERNAL -ResultSize Unlimited | Group-Object {$_.Timestamp.ToString('yyyy-MM-dd')} | Select-Object @{n='Day';e={$_.Name}},Count,@{n='MB';e={[math]::Round(($_.Group | Measure-Object TotalBytes -Sum).Sum / 1MB, 2)}}
