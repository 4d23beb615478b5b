namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Metering seam between feature services and billing: reserve before inference, settle after, release on dispose.
/// </summary>
public interface IUsageMeter
{
    /// <exception cref="BudgetExceededException">The reservation would exceed a user or key budget or the credit balance.</exception>
    Task<IUsageReservation> ReserveAsync(UsageEstimate estimate, CancellationToken cancellationToken = default);
}
