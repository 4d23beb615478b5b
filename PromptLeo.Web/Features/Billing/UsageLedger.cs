using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// The real <see cref="IUsageMeter"/>: reserves the most a request can cost against every cap of the billed organization
/// in one step (the API key's budget, the member's budget in the organization, the organization's budget and, when it
/// pays in advance, its prepaid credit), then writes one immutable <see cref="UsageEvent"/> with the unit prices of the moment.
/// </summary>
/// <remarks>
/// Check and reserve run under a per-organization lock, and open reservations are counted (per organization, member and
/// key) until disposed, so parallel requests cannot overspend any cap. The lock is in-process: with several web nodes the
/// reservation has to move into the database (a reservations table with a conditional insert, or PostgreSQL advisory
/// locks); see docs/billing.md.
/// </remarks>
public sealed class UsageLedger(
    IDbContextFactory<AppDbContext> dbFactory,
    PriceList prices,
    BudgetAlerts alerts,
    Organizations.OrganizationDirectory organizations,
    TimeProvider time,
    ILogger<UsageLedger> logger) : IUsageMeter
{
    private readonly ConcurrentDictionary<Guid, OrganizationState> states = new();
    private readonly BudgetAlerts alerts = alerts;
    private readonly TimeProvider time = time;
    private readonly ILogger<UsageLedger> logger = logger;

    public static DateTimeOffset MonthStart(DateTimeOffset now) => new(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task<IUsageReservation> ReserveAsync(UsageEstimate estimate, CancellationToken cancellationToken = default)
    {
        // An estimate that names no organization bills the user's personal one.
        if (estimate.OrganizationId == Guid.Empty)
        {
            estimate = estimate with { OrganizationId = await organizations.PersonalIdAsync(estimate.UserId, cancellationToken) };
        }
        var organizationId = estimate.OrganizationId;
        var state = states.GetOrAdd(organizationId, _ => new OrganizationState());
        Guid? keyId = Guid.TryParse(estimate.ApiKeyId, out var parsed) ? parsed : null;
        await state.Gate.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var price = await prices.GetCurrentAsync(db, organizationId, estimate.ModelId, cancellationToken);
            var max = PriceList.Cost(price, estimate.Kind, estimate.InputTokens, estimate.MaxOutputTokens, estimate.ImageCount, estimate.Width, estimate.Height, estimate.Steps);
            var organization = await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId)
                .Select(o => new { o.Mode, o.MonthlyBudgetMicros }).FirstOrDefaultAsync(cancellationToken);
            var memberCap = await db.OrganizationMembers.Where(m => m.OrganizationId == organizationId && m.UserId == estimate.UserId)
                .Select(m => m.MonthlyBudgetMicros).FirstOrDefaultAsync(cancellationToken);
            var monthStart = MonthStart(time.GetUtcNow());
            var thisMonth = db.UsageEvents.Where(u => u.OrganizationId == organizationId && u.At >= monthStart);
            long pendingOrganization, pendingMember, pendingKey;
            lock (state)
            {
                pendingOrganization = state.Pending;
                pendingMember = state.PendingByMember.GetValueOrDefault(estimate.UserId);
                pendingKey = keyId is { } k ? state.PendingByKey.GetValueOrDefault(k) : 0;
            }

            // The most specific cap first, so the refusal names the limit the caller can act on.
            if (keyId is { } key && await db.ApiKeys.Where(k => k.Id == key).Select(k => k.MonthlyBudgetMicros).FirstOrDefaultAsync(cancellationToken) is { } keyCap)
            {
                var spent = await db.UsageEvents.Where(u => u.ApiKeyId == key && u.At >= monthStart).SumAsync(u => u.AmountMicros, cancellationToken);
                Refuse(spent + pendingKey + max > keyCap, BudgetLimit.ApiKey);
            }
            if (memberCap is { } memberLimit)
            {
                var spent = await thisMonth.Where(u => u.UserId == estimate.UserId).SumAsync(u => u.AmountMicros, cancellationToken);
                Refuse(spent + pendingMember + max > memberLimit, BudgetLimit.Member);
            }
            if (organization?.MonthlyBudgetMicros is { } organizationCap)
            {
                var spent = await thisMonth.SumAsync(u => u.AmountMicros, cancellationToken);
                Refuse(spent + pendingOrganization + max > organizationCap, BudgetLimit.Organization);
            }
            var prepaid = organization?.Mode == BillingMode.Prepaid;
            if (prepaid)
            {
                var balance = await CreditBalanceAsync(db, organizationId, cancellationToken);
                Refuse(balance - pendingOrganization - max < 0, BudgetLimit.PrepaidCredit);
            }

            lock (state)
            {
                state.Pending += max;
                // Read again under the lock: a reservation disposed since the check may have lowered it.
                state.PendingByMember[estimate.UserId] = state.PendingByMember.GetValueOrDefault(estimate.UserId) + max;
                if (keyId is { } k)
                {
                    state.PendingByKey[k] = state.PendingByKey.GetValueOrDefault(k) + max;
                }
            }
            return new Reservation(this, state, estimate, keyId, price, max, prepaid);
        }
        finally
        {
            state.Gate.Release();
        }
    }

    private static void Refuse(bool exceeded, BudgetLimit limit)
    {
        if (exceeded)
        {
            throw BudgetExceededException.For(limit);
        }
    }

    /// <summary>The organization's top-ups and corrections minus its prepaid usage.</summary>
    public static async Task<long> CreditBalanceAsync(AppDbContext db, Guid organizationId, CancellationToken cancellationToken = default)
    {
        var credit = await db.CreditTransactions.Where(c => c.OrganizationId == organizationId).SumAsync(c => c.AmountMicros, cancellationToken);
        var used = await db.UsageEvents.Where(u => u.OrganizationId == organizationId && u.Prepaid).SumAsync(u => u.AmountMicros, cancellationToken);
        return credit - used;
    }

    private sealed class OrganizationState
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public long Pending { get; set; }

        public Dictionary<string, long> PendingByMember { get; } = new(StringComparer.Ordinal);

        public Dictionary<Guid, long> PendingByKey { get; } = [];
    }

    private sealed class Reservation(UsageLedger ledger, OrganizationState state, UsageEstimate estimate, Guid? keyId, ModelPrice price, long reserved, bool prepaid) : IUsageReservation
    {
        private bool settled;
        private bool disposed;
        private long charged;

        public decimal Settle(AppDbContext db, UsageActual actual)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (settled)
            {
                throw new InvalidOperationException("The reservation is already settled.");
            }
            settled = true;
            // A request rejected before inference (engine validation, unknown model) consumed nothing: no usage row.
            if (actual.IsEmpty)
            {
                return 0m;
            }
            var cost = PriceList.Cost(price, estimate.Kind, actual.InputTokens, actual.OutputTokens, actual.ImageCount, actual.Width, actual.Height, actual.Steps);
            if (cost > reserved)
            {
                // The estimate is an upper bound; charging more than was reserved could break a budget.
                ledger.logger.LogWarning("Request {RequestId} cost {Cost} micro-EUR, more than the {Reserved} reserved; charging the reservation", estimate.RequestId, cost, reserved);
                cost = reserved;
            }
            charged = cost;
            db.UsageEvents.Add(new UsageEvent
            {
                OrganizationId = estimate.OrganizationId,
                UserId = estimate.UserId,
                ApiKeyId = keyId,
                ModelId = estimate.ModelId,
                Kind = estimate.Kind switch { UsageKind.Chat => "chat", UsageKind.Embedding => "embedding", _ => "image" },
                InputTokens = actual.InputTokens,
                OutputTokens = actual.OutputTokens,
                ImageCount = actual.ImageCount,
                Width = actual.Width,
                Height = actual.Height,
                Steps = actual.Steps,
                PriceId = price.Id,
                // An embeddings event records the embedding price as the unit price of its input tokens.
                InputMicrosPerMillionTokens = PriceList.InputUnitPrice(price, estimate.Kind),
                OutputMicrosPerMillionTokens = price.OutputMicrosPerMillionTokens,
                ImageMicrosPerMegapixelStep = price.ImageMicrosPerMegapixelStep,
                AmountMicros = cost,
                Prepaid = prepaid,
                RequestId = estimate.RequestId,
                At = ledger.time.GetUtcNow(),
            });
            return Money.ToEuro(cost);
        }

        public async ValueTask DisposeAsync()
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            lock (state)
            {
                state.Pending -= reserved;
                Release(state.PendingByMember, estimate.UserId, reserved);
                if (keyId is { } k)
                {
                    Release(state.PendingByKey, k, reserved);
                }
            }
            if (settled && charged > 0)
            {
                await ledger.alerts.CheckAsync(estimate.OrganizationId, estimate.UserId, keyId);
            }
        }

        private static void Release<TKey>(Dictionary<TKey, long> pending, TKey holder, long reserved)
            where TKey : notnull
        {
            if (pending.TryGetValue(holder, out var open) && open - reserved > 0)
            {
                pending[holder] = open - reserved;
            }
            else
            {
                pending.Remove(holder);
            }
        }
    }
}
