namespace PromptLeo.Web.Features.Billing;

/// <summary>Renews this node's open reservations every minute, so they outlive their lease only while the node runs.</summary>
public sealed class UsageReservationRenewal(UsageLedger ledger, TimeProvider time, ILogger<UsageReservationRenewal> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(UsageLedger.ReservationLease / 5, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ledger.RenewOpenAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Four more tries before a reservation expires.
                logger.LogWarning(ex, "Open reservations could not be renewed; retrying in a minute");
            }
        }
    }
}
