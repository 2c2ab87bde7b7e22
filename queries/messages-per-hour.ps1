# How busy each hour was: messages submitted or received from outside, by hour of the day.
Get-TransportService | Get-MessageTrackingLog -EventId RECEIVE -ResultSize Unlimited | Group-Object {$_.Timestamp.Hour} -NoElement | Sort-Object {[int]$_.Name}
