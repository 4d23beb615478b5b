using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Web.Features.Metering;

/// <summary>
/// The one path of every inference request, portal and API: access guard (restriction, admin disable, zero retention),
/// the model's availability (an admin may disable a model), budget reservation with the upper bound, processing record written before the engine runs, settlement from what was
/// actually produced (also after a cancel or a failure with partial output), and a single <c>SaveChanges</c> that stores
/// usage, finished record and the caller's content together.
/// </summary>
public sealed class MeteredInference(
    IDbContextFactory<AppDbContext> dbFactory,
    InferenceAccessGuard guard,
    Organizations.OrganizationDirectory organizations,
    ModelAvailability models,
    IUsageMeter meter,
    ProcessingRecordWriter records,
    IInferenceRouter router,
    TimeProvider time,
    Telemetry.PortalMetrics telemetry,
    ILogger<MeteredInference> logger)
{
    /// <summary>Runs <paramref name="engineCall"/> as one metered request and returns its result.</summary>
    /// <exception cref="ProcessingRestrictedException">The account may not use the models.</exception>
    /// <exception cref="BudgetExceededException">The upper bound does not fit the budget.</exception>
    /// <exception cref="ModelDisabledException">An administrator has disabled the model.</exception>
    public async Task<T> RunAsync<T>(MeteredRequest request, Func<MeteredCall, Task<T>> engineCall, CancellationToken cancellationToken)
    {
        await using var call = await BeginAsync(request, cancellationToken);
        T result;
        try
        {
            result = await engineCall(call);
        }
        catch (Exception ex)
        {
            await call.FinishAsync(ex);
            throw;
        }
        await call.FinishAsync();
        return result;
    }

    /// <summary>
    /// Checks the account, reserves the upper bound and writes the record as <c>started</c>. For callers whose engine call
    /// outlives the method that starts it (the chat page streams on its own task); finish the call with
    /// <see cref="MeteredCall.FinishAsync"/>.
    /// </summary>
    public async Task<MeteredCall> BeginAsync(MeteredRequest request, CancellationToken cancellationToken)
    {
        var principal = request.Principal;
        var account = await guard.EnsureAllowedAsync(principal.UserId, cancellationToken);
        var organization = await organizations.ForInferenceAsync(principal.UserId, principal.ApiKeyId, cancellationToken);
        // Priced, recorded and checked under the installed id: the registry ignores case, price rows and settings do not.
        request = request with { ModelId = models.CanonicalId(request.ModelId) };
        await models.EnsureEnabledAsync(request.ModelId, cancellationToken);
        var reservation = await meter.ReserveAsync(request.ToEstimate(organization.OrganizationId), cancellationToken);
        InferenceTarget? target = null;
        try
        {
            // Routed before the record is written, so the record names the node and region that process the request.
            target = router.Route(request.ModelId);
            // Written before the engine runs, so a process that dies mid-inference still leaves the record (marked interrupted at the next start).
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            db.ProcessingRecords.Add(records.Create(request.RequestId, principal.UserId, request.Purpose, request.ModelId, principal.Channel, ProcessingOutcome.Started, target.Node, target.Region));
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            target?.Dispose();
            await reservation.DisposeAsync();
            throw;
        }
        return new MeteredCall(this, request, account, reservation, target, cancellationToken);
    }

    internal async Task<decimal> SaveAsync(MeteredCall call, InferenceOutcome outcome, IUsageReservation reservation, Func<MeteredSave, Task>? content)
    {
        // Stored even when the requester is gone: what was produced must be recorded and charged.
        var none = CancellationToken.None;
        var outcomeName = outcome switch
        {
            InferenceOutcome.Completed => ProcessingOutcome.Completed,
            InferenceOutcome.Cancelled => ProcessingOutcome.Cancelled,
            _ => ProcessingOutcome.Failed,
        };
        telemetry.Finished(call.Request.UsageKind switch { UsageKind.Chat => "chat", UsageKind.Embedding => "embedding", _ => "image" }, outcomeName, call.Produced.OutputTokens, call.Produced.ImageCount);
        MeteredSave? save = null;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(none);
            // An update by key without reading the row first; both columns are marked, since a stub's defaults may equal the new values.
            var record = db.ProcessingRecords.Attach(new ProcessingRecord { RequestId = call.RequestId, Outcome = outcomeName, FinishedAt = time.GetUtcNow() });
            record.Property(r => r.Outcome).IsModified = true;
            record.Property(r => r.FinishedAt).IsModified = true;
            // A request that produced nothing is not charged at all (no zero-amount usage event).
            var cost = call.Produced.IsEmpty ? 0m : reservation.Settle(db, call.Produced);
            save = new MeteredSave(db, call.RequestId, outcomeName, cost);
            if (content is not null)
            {
                await content(save);
            }
            await db.SaveChangesAsync(none);
            if (db.Database.CurrentTransaction is { } transaction)
            {
                await transaction.CommitAsync(none);
            }
            return cost;
        }
        catch (Exception ex)
        {
            save?.Undo();
            logger.LogError(ex, "Request {RequestId} could not be saved; recorded as failed and not charged", call.RequestId);
            await MarkFailedAsync(call.RequestId);
            throw;
        }
    }

    private async Task MarkFailedAsync(string requestId)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var now = time.GetUtcNow();
            await db.ProcessingRecords.Where(r => r.RequestId == requestId)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Outcome, ProcessingOutcome.Failed).SetProperty(r => r.FinishedAt, now));
        }
        catch (Exception ex)
        {
            // The record stays "started" and becomes "interrupted" at the next start; nothing is charged either way.
            logger.LogError(ex, "Request {RequestId}: the record could not be finished as failed", requestId);
        }
    }
}
