using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// The real <see cref="IUsageMeter"/>: reserves the most a request can cost against the user's and the key's monthly
/// budget and the prepaid credit, then writes one immutable <see cref="UsageEvent"/> with the unit prices of the moment.
/// </summary>
/// <remarks>
/// Check and reserve run under a per-user lock, and open reservations are counted until disposed, so parallel requests
/// cannot overspend. The lock is in-process: with several web nodes the reservation has to move into the database
/// (a reservations table with a conditional insert, or PostgreSQL advisory locks); see docs/billing.md.
/// </remarks>
public sealed class UsageLedger(
    IDbContextFactory<AppDbContext> dbFactory,
    PriceList prices,
    BudgetAlerts alerts,
    TimeProvider time,
    ILogger<UsageLedger> logger) : IUsageMeter
{
    private readonly ConcurrentDictionary<string, UserState> users = new(StringComparer.Ordinal);
    private readonly BudgetAlerts alerts = alerts;
    private readonly TimeProvider time = time;
    private readonly ILogger<UsageLedger> logger = logger;

    public static DateTimeOffset MonthStart(DateTimeOffset now) => new(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task<IUsageReservation> ReserveAsync(UsageEstimate estimate, CancellationToken cancellationToken = default)
    {
        var state = users.GetOrAdd(estimate.UserId, _ => new UserState());
        Guid? keyId = Guid.TryParse(estimate.ApiKeyId, out var parsed) ? parsed : null;
        await state.Gate.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var price = await prices.GetCurrentAsync(db, estimate.ModelId, cancellationToken);
            var max = PriceList.Cost(price, estimate.InputTokens, estimate.MaxOutputTokens, estimate.ImageCount, estimate.Width, estimate.Height, estimate.Steps);
            var account = await db.BillingAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.UserId == estimate.UserId, cancellationToken);
            var monthStart = MonthStart(time.GetUtcNow());
            long pendingUser, pendingKey;
            lock (state)
            {
                pendingUser = state.Pending;
                pendingKey = keyId is { } k ? state.PendingByKey.GetValueOrDefault(k) : 0;
            }

            if (account?.MonthlyBudgetMicros is { } userCap)
            {
                var spent = await db.UsageEvents.Where(u => u.UserId == estimate.UserId && u.At >= monthStart).SumAsync(u => u.AmountMicros, cancellationToken);
                if (spent + pendingUser + max > userCap)
                {
                    throw new BudgetExceededException("This request could exceed your monthly budget. Raise the budget on the billing page or wait for next month.");
                }
            }

            if (keyId is { } key)
            {
                var keyCap = await db.ApiKeys.Where(k => k.Id == key).Select(k => k.MonthlyBudgetMicros).FirstOrDefaultAsync(cancellationToken);
                if (keyCap is { } cap)
                {
                    var spent = await db.UsageEvents.Where(u => u.ApiKeyId == key && u.At >= monthStart).SumAsync(u => u.AmountMicros, cancellationToken);
                    if (spent + pendingKey + max > cap)
                    {
                        throw new BudgetExceededException("This request could exceed the monthly budget of this API key.");
                    }
                }
            }

            var prepaid = account?.Mode == BillingMode.Prepaid;
            if (prepaid)
            {
                var balance = await CreditBalanceAsync(db, estimate.UserId, cancellationToken);
                if (balance - pendingUser - max < 0)
                {
                    throw new BudgetExceededException("Your prepaid credit is not enough for this request. Top up your credit on the billing page.");
                }
            }

            lock (state)
            {
                state.Pending += max;
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

    /// <summary>Top-ups minus prepaid usage.</summary>
    public static async Task<long> CreditBalanceAsync(AppDbContext db, string userId, CancellationToken cancellationToken = default)
    {
        var credit = await db.CreditTransactions.Where(c => c.UserId == userId).SumAsync(c => c.AmountMicros, cancellationToken);
        var used = await db.UsageEvents.Where(u => u.UserId == userId && u.Prepaid).SumAsync(u => u.AmountMicros, cancellationToken);
        return credit - used;
    }

    private sealed class UserState
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public long Pending { get; set; }

        public Dictionary<Guid, long> PendingByKey { get; } = [];
    }

    private sealed class Reservation(UsageLedger ledger, UserState state, UsageEstimate estimate, Guid? keyId, ModelPrice price, long reserved, bool prepaid) : IUsageReservation
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
            var cost = PriceList.Cost(price, actual.InputTokens, actual.OutputTokens, actual.ImageCount, actual.Width, actual.Height, actual.Steps);
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
                Kind = estimate.Kind == UsageKind.Chat ? "chat" : "image",
                InputTokens = actual.InputTokens,
                OutputTokens = actual.OutputTokens,
                ImageCount = actual.ImageCount,
                Width = actual.Width,
                Height = actual.Height,
                Steps = actual.Steps,
                PriceId = price.Id,
                InputMicrosPerMillionTokens = price.InputMicrosPerMillionTokens,
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
                if (keyId is { } k && state.PendingByKey.TryGetValue(k, out var pending))
                {
                    if (pending - reserved <= 0)
                    {
                        state.PendingByKey.Remove(k);
                    }
                    else
                    {
                        state.PendingByKey[k] = pending - reserved;
                    }
                }
            }
            if (settled && charged > 0)
            {
                await ledger.alerts.CheckAsync(estimate.UserId, keyId);
            }
        }
    }
}
