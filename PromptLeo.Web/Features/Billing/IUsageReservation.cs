using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Billing;

public interface IUsageReservation : IAsyncDisposable
{
    /// <summary>
    /// Adds the immutable usage event to <paramref name="db"/> without saving, so it commits in the caller's transaction
    /// with the message or image and the processing record. Returns the amount in EUR. Dispose after saving.
    /// </summary>
    decimal Settle(AppDbContext db, UsageActual actual);
}
