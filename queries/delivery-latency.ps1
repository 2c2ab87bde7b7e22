# Delivery latency in seconds over all DELIVER rows: how many, the average and the worst.
Get-TransportService | Get-MessageTrackingLog -EventId DELIVER -ResultSize Unlimited | Select-Object @{n='Seconds';e={$_.MessageLatency.TotalSeconds}} | Measure-Object Seconds -Average -Maximum -Minimum
