using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Billing;

public enum UsageKind
{
    Chat,
    Image,
}

/// <summary>The most a request can cost: what is reserved against the budget before inference starts.</summary>
public sealed record UsageEstimate(
    string UserId,
    string? ApiKeyId,
    string ModelId,
    UsageKind Kind,
    string RequestId,
    int InputTokens = 0,
    int MaxOutputTokens = 0,
    int ImageCount = 0,
    int Width = 0,
    int Height = 0,
    int Steps = 0);

public static class UsageBounds
{
    /// <summary>An upper bound on prompt tokens: byte-fallback tokenizers never need more than one token per UTF-8 byte, plus template tokens.</summary>
    public static int MaxPromptTokens(IEnumerable<string> contents) =>
        32 + contents.Sum(c => System.Text.Encoding.UTF8.GetByteCount(c) + 32);
}

/// <summary>What was actually produced; a cancelled or failed request reports only what it produced.</summary>
public sealed record UsageActual(int InputTokens = 0, int OutputTokens = 0, int ImageCount = 0, int Width = 0, int Height = 0, int Steps = 0);

/// <summary>The budget refuses the request (HTTP 402 on the API).</summary>
public sealed class BudgetExceededException(string message) : Exception(message);

/// <summary>
/// Metering seam between feature services and billing: reserve before inference, settle after, release on dispose.
/// </summary>
public interface IUsageMeter
{
    /// <exception cref="BudgetExceededException">The reservation would exceed a user or key budget or the credit balance.</exception>
    Task<IUsageReservation> ReserveAsync(UsageEstimate estimate, CancellationToken cancellationToken = default);
}

public interface IUsageReservation : IAsyncDisposable
{
    /// <summary>
    /// Adds the immutable usage event to <paramref name="db"/> without saving, so it commits in the caller's transaction
    /// with the message or image and the processing record. Returns the amount in EUR. Dispose after saving.
    /// </summary>
    decimal Settle(AppDbContext db, UsageActual actual);
}
