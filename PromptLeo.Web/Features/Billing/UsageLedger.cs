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
/// Open reservations are rows in the database (<see cref="UsageReservation"/>), so every portal node counts those of the
/// others. Check and insert run in one transaction that first locks the organization's row (<see cref="RowLocks"/>), so
/// reservations of one organization are serialized across nodes; each cap is then read in a single statement: settled
/// events plus the open reservations whose request has no event yet, so the event replaces its reservation the moment it
/// commits. The reservation row is deleted after that; one whose node died stops being renewed and expires after
/// <see cref="ReservationLease"/>. See docs/billing.md.
/// </remarks>
public sealed class UsageLedger(
    IDbContextFactory<AppDbContext> dbFactory,
    PriceList prices,
    BudgetAlerts alerts,
    Organizations.OrganizationDirectory organizations,
    Cluster.ClusterLeases cluster,
    TimeProvider time,
    ILogger<UsageLedger> logger) : IUsageMeter
{
    /// <summary>How long an open reservation counts without renewal: a crashed node's reservations free the budget after it.</summary>
    public static readonly TimeSpan ReservationLease = TimeSpan.FromMinutes(5);

    // Within one node the requests of an organization queue here, not on the database lock (SQLite's busy wait polls).
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> gates = new();
    private readonly ConcurrentDictionary<Guid, byte> open = new();
    private readonly BudgetAlerts alerts = alerts;
    private readonly TimeProvider time = time;
    private readonly ILogger<UsageLedger> logger = logger;

    public static DateTimeOffset MonthStart(DateTimeOffset now) => new(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The reservations this node holds open, renewed by <see cref="UsageReservationRenewal"/>.</summary>
    internal IReadOnlyCollection<Guid> OpenReservations => [.. open.Keys];

    public async Task<IUsageReservation> ReserveAsync(UsageEstimate estimate, CancellationToken cancellationToken = default)
    {
        // An estimate that names no organization bills the user's personal one.
        if (estimate.OrganizationId == Guid.Empty)
        {
            estimate = estimate with { OrganizationId = await organizations.PersonalIdAsync(estimate.UserId, cancellationToken) };
        }
        var organizationId = estimate.OrganizationId;
        Guid? keyId = Guid.TryParse(estimate.ApiKeyId, out var parsed) ? parsed : null;
        var gate = gates.GetOrAdd(organizationId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var price = await prices.GetCurrentAsync(db, organizationId, estimate.ModelId, cancellationToken);
            var max = PriceList.Cost(price, estimate.Kind, estimate.InputTokens, estimate.MaxOutputTokens, estimate.ImageCount, estimate.Width, estimate.Height, estimate.Steps);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await Cluster.RowLocks.LockOrganizationAsync(db, organizationId, cancellationToken);
            var now = time.GetUtcNow();
            // Reservations of a node that died: no longer renewed, so they stop counting.
            await db.UsageReservations.Where(r => r.OrganizationId == organizationId && r.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
            var totals = await TotalsAsync(db, organizationId, estimate.UserId, keyId ?? Guid.Empty, MonthStart(now), cancellationToken);

            // The most specific cap first, so the refusal names the limit the caller can act on.
            if (keyId is not null && totals.KeyCap is { } keyCap)
            {
                Refuse(totals.KeySpent + max > keyCap, BudgetLimit.ApiKey);
            }
            if (totals.MemberCap is { } memberCap)
            {
                Refuse(totals.MemberSpent + max > memberCap, BudgetLimit.Member);
            }
            if (totals.OrganizationCap is { } organizationCap)
            {
                Refuse(totals.OrganizationSpent + max > organizationCap, BudgetLimit.Organization);
            }
            var prepaid = totals.Mode == BillingMode.Prepaid;
            if (prepaid)
            {
                Refuse(totals.CreditLeft - max < 0, BudgetLimit.PrepaidCredit);
            }

            var reservation = new UsageReservation
            {
                OrganizationId = organizationId,
                UserId = estimate.UserId,
                ApiKeyId = keyId,
                AmountMicros = max,
                RequestId = estimate.RequestId,
                Node = cluster.NodeName,
                CreatedAt = now,
                ExpiresAt = now + ReservationLease,
            };
            db.UsageReservations.Add(reservation);
            await db.SaveChangesAsync(cancellationToken);
            // Not the caller's token: a cancel during COMMIT could leave a committed reservation nobody renews or deletes.
            await transaction.CommitAsync(CancellationToken.None);
            open[reservation.Id] = 0;
            return new Reservation(this, reservation.Id, estimate, keyId, price, max, prepaid);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Every cap and what counts against it (settled this month plus open reservations), in ONE statement, so it sees one
    /// state of the ledger: a reservation counts until its request's event is visible, and from then on only the event does.
    /// </summary>
    private static async Task<Totals> TotalsAsync(AppDbContext db, Guid organizationId, string userId, Guid keyId, DateTimeOffset monthStart, CancellationToken cancellationToken)
    {
        // An event of the same request written since the reservation was made is its settlement (request ids may repeat over months).
        var unsettled = db.UsageReservations.Where(r => !db.UsageEvents.Any(u => u.OrganizationId == r.OrganizationId && u.RequestId == r.RequestId && u.At >= r.CreatedAt));
        var open = unsettled.Where(r => r.OrganizationId == organizationId);
        var thisMonth = db.UsageEvents.Where(u => u.OrganizationId == organizationId && u.At >= monthStart);
        var totals = await db.Organizations.Where(o => o.Id == organizationId).Select(o => new Totals
        {
            Mode = o.Mode,
            OrganizationCap = o.MonthlyBudgetMicros,
            MemberCap = db.OrganizationMembers.Where(m => m.OrganizationId == organizationId && m.UserId == userId).Select(m => m.MonthlyBudgetMicros).FirstOrDefault(),
            KeyCap = db.ApiKeys.Where(k => k.Id == keyId).Select(k => k.MonthlyBudgetMicros).FirstOrDefault(),
            OrganizationSpent = thisMonth.Sum(u => u.AmountMicros) + open.Sum(r => r.AmountMicros),
            MemberSpent = thisMonth.Where(u => u.UserId == userId).Sum(u => u.AmountMicros) + open.Where(r => r.UserId == userId).Sum(r => r.AmountMicros),
            KeySpent = db.UsageEvents.Where(u => u.ApiKeyId == keyId && u.At >= monthStart).Sum(u => u.AmountMicros) + unsettled.Where(r => r.ApiKeyId == keyId).Sum(r => r.AmountMicros),
            CreditLeft = db.CreditTransactions.Where(c => c.OrganizationId == organizationId).Sum(c => c.AmountMicros)
                - db.UsageEvents.Where(u => u.OrganizationId == organizationId && u.Prepaid).Sum(u => u.AmountMicros)
                - open.Sum(r => r.AmountMicros),
        }).FirstOrDefaultAsync(cancellationToken);
        // An organization that does not exist (any more) has no caps of its own; no member or key can belong to it.
        return totals ?? new Totals();
    }

    private sealed class Totals
    {
        public BillingMode Mode { get; init; } = BillingMode.Postpaid;

        public long? OrganizationCap { get; init; }

        public long? MemberCap { get; init; }

        public long? KeyCap { get; init; }

        public long OrganizationSpent { get; init; }

        public long MemberSpent { get; init; }

        public long KeySpent { get; init; }

        public long CreditLeft { get; init; }
    }

    /// <summary>Extends this node's open reservations; a request longer than the lease keeps its reservation.</summary>
    internal async Task RenewOpenAsync(CancellationToken cancellationToken)
    {
        var ids = OpenReservations;
        if (ids.Count == 0)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var expires = time.GetUtcNow() + ReservationLease;
        await db.UsageReservations.Where(r => ids.Contains(r.Id)).ExecuteUpdateAsync(s => s.SetProperty(r => r.ExpiresAt, expires), cancellationToken);
    }

    private async Task DeleteReservationAsync(Guid id)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await db.UsageReservations.Where(r => r.Id == id).ExecuteDeleteAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Counted against the caps until it expires: safe, never an overspend.
            logger.LogWarning(ex, "Reservation {ReservationId} could not be deleted; it expires after {Minutes} minutes", id, ReservationLease.TotalMinutes);
        }
        finally
        {
            open.TryRemove(id, out _);
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

    private sealed class Reservation(UsageLedger ledger, Guid reservationId, UsageEstimate estimate, Guid? keyId, ModelPrice price, long reserved, bool prepaid) : IUsageReservation
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
            // After the event is saved (the caller disposes after SaveChanges), so settled + reserved never drops below what was spent.
            await ledger.DeleteReservationAsync(reservationId);
            if (settled && charged > 0)
            {
                await ledger.alerts.CheckAsync(estimate.OrganizationId, estimate.UserId, keyId);
            }
        }
    }
}
