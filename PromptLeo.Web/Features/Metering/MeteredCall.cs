using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;

namespace PromptLeo.Web.Features.Metering;

/// <summary>
/// A running metered request, between <see cref="MeteredInference.BeginAsync"/> and <see cref="FinishAsync"/>: the caller
/// reports what the engine produced so far and registers how its content is saved; finishing settles and saves once.
/// </summary>
public sealed class MeteredCall : IAsyncDisposable
{
    private readonly MeteredInference owner;
    private readonly IUsageReservation reservation;
    private Func<MeteredSave, Task>? content;
    private Task<decimal>? finishing;

    internal MeteredCall(MeteredInference owner, MeteredRequest request, InferenceAccount account, IUsageReservation reservation, InferenceTarget target, CancellationToken cancellationToken)
    {
        Target = target;
        this.owner = owner;
        this.reservation = reservation;
        Request = request;
        Account = account;
        CancellationToken = cancellationToken;
    }

    public MeteredRequest Request { get; }

    public string RequestId => Request.RequestId;

    /// <summary>Where the request is processed (this node or a remote endpoint), named by its record.</summary>
    public InferenceTarget Target { get; }

    /// <summary>The account's retention settings, checked by the access guard.</summary>
    public InferenceAccount Account { get; }

    /// <summary>The requester's token: when it is cancelled, a failure counts as a cancellation.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>What the engine produced so far; this is what is charged, however the request ends.</summary>
    public UsageActual Produced { get; private set; } = new();

    /// <summary>How the request ended when it ends without an exception (an engine can report a cancel or an error as a result).</summary>
    public InferenceOutcome Outcome { get; set; } = InferenceOutcome.Completed;

    /// <summary>Set once finished: the amount charged in EUR.</summary>
    public decimal Cost { get; private set; }

    public void Report(UsageActual produced) => Produced = produced;

    /// <summary>The caller's content (messages, images) that must be stored with the usage and the record.</summary>
    public void SaveWith(Func<MeteredSave, Task> writer) => content = writer;

    /// <summary>
    /// Settles what was produced and saves usage, record and content together; <paramref name="error"/> is what ended the
    /// request, if anything. If the save fails, nothing is charged, the record is finished as failed, and the save's
    /// exception is thrown.
    /// </summary>
    public Task<decimal> FinishAsync(Exception? error = null) => finishing ??= FinishCoreAsync(error);

    private async Task<decimal> FinishCoreAsync(Exception? error)
    {
        var outcome = error is null ? Outcome : CancellationToken.IsCancellationRequested ? InferenceOutcome.Cancelled : InferenceOutcome.Failed;
        if (error is InferenceProviderException)
        {
            // A failed provider charges nothing, not even the part of an answer it streamed before it failed.
            Produced = new();
        }
        try
        {
            Cost = await owner.SaveAsync(this, outcome, reservation, content);
            return Cost;
        }
        finally
        {
            Target.Dispose();
            await reservation.DisposeAsync();
        }
    }

    /// <summary>A call that was never finished (the caller threw before it could) ends as failed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (finishing is null)
        {
            try
            {
                await FinishAsync(new InvalidOperationException("The metered call was not finished."));
            }
            catch (Exception)
            {
                // Already logged by the service; dispose must not throw over the caller's own exception.
            }
        }
    }
}
