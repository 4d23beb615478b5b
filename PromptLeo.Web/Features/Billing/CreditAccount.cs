using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Web.Features.Billing;

/// <summary>A payment provider that turns a checkout into a confirmed top-up (e.g. Stripe, Mollie).</summary>
public interface IPaymentProvider
{
    string Name { get; }

    /// <summary>Starts a payment for <paramref name="organizationId"/>'s credit and returns the URL the user pays at; the provider's webhook books it.</summary>
    Task<Uri> StartCheckoutAsync(string userId, Guid organizationId, long amountMicros, Uri returnUrl, CancellationToken cancellationToken = default);
}

/// <summary>An organization's billing settings as the billing page shows them.</summary>
public sealed record OrganizationBillingSettings(Guid OrganizationId, string Name, bool IsPersonal, BillingMode Mode, long? MonthlyBudgetMicros);

/// <summary>A member's role in the organization does not allow the action (shown to them; the API answers 403).</summary>
public sealed class OrganizationRoleRefusedException(string message) : Exception(message);

/// <summary>Per-organization billing settings (mode, monthly budget), prepaid credit and top-ups.</summary>
public sealed class BillingAccounts(IDbContextFactory<AppDbContext> dbFactory, OrganizationDirectory organizations, TimeProvider time, ILogger<BillingAccounts> logger)
{
    public async Task<OrganizationBillingSettings> GetAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId)
            .Select(o => new OrganizationBillingSettings(o.Id, o.Name, o.PersonalOwnerId != null, o.Mode, o.MonthlyBudgetMicros)).FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException("The organization does not exist.");
    }

    /// <summary>An owner or billing member sets how the organization pays and its monthly budget (empty = none); audited.</summary>
    /// <exception cref="OrganizationRoleRefusedException">The actor is not an owner or billing member of the organization.</exception>
    public async Task SaveSettingsAsync(string actorId, Guid organizationId, BillingMode mode, decimal? monthlyBudgetEur, CancellationToken cancellationToken = default)
    {
        if (monthlyBudgetEur < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(monthlyBudgetEur), "The budget must not be negative.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await OrganizationDirectory.MembershipAsync(db, organizationId, actorId, cancellationToken) is not { } membership || !OrganizationPermissions.CanManageBilling(membership.Role))
        {
            throw new OrganizationRoleRefusedException("Only owners and billing members set the organization's budget and payment mode.");
        }
        var budget = monthlyBudgetEur is { } eur ? Money.FromEuro(eur) : (long?)null;
        await db.Organizations.Where(o => o.Id == organizationId)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Mode, mode).SetProperty(o => o.MonthlyBudgetMicros, budget), cancellationToken);
        db.AuditEntries.Add(organizations.Audit(actorId, organizationId, OrganizationAuditActions.BudgetChanged, $"organization budget {budget?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} micro-EUR, mode {mode}"));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Billing settings of organization {OrganizationId} changed by {UserId}: mode {Mode}", organizationId, actorId, mode);
    }

    /// <summary>A site admin sets how an organization pays (postpaid invoice or prepaid credit); audited.</summary>
    public async Task SetModeAsync(string adminId, Guid organizationId, BillingMode mode, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.Organizations.Where(o => o.Id == organizationId).ExecuteUpdateAsync(s => s.SetProperty(o => o.Mode, mode), cancellationToken) == 0)
        {
            throw new InvalidOperationException("The organization does not exist.");
        }
        db.AuditEntries.Add(organizations.Audit(adminId, organizationId, OrganizationAuditActions.BillingModeChanged, $"mode {mode} set by a site admin"));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Billing mode of organization {OrganizationId} set to {Mode} by admin {UserId}", organizationId, mode, adminId);
    }

    public async Task<long> BalanceAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await UsageLedger.CreditBalanceAsync(db, organizationId, cancellationToken);
    }

    /// <summary>
    /// Records credit for an organization (a site admin's booking or a confirmed payment), with its audit entry.
    /// Positive amounts book credit; corrections are separate negative rows.
    /// </summary>
    public async Task TopUpAsync(Guid organizationId, decimal amountEur, string reference, string bookedBy, CancellationToken cancellationToken = default)
    {
        if (amountEur == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(amountEur), "The amount must not be zero.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var organization = await db.Organizations.Where(o => o.Id == organizationId).Select(o => new { o.PersonalOwnerId }).FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException("The organization does not exist.");
        var micros = Money.FromEuro(amountEur);
        // A personal organization's credit stays the owner's own in export and erasure, as before organizations.
        db.CreditTransactions.Add(new CreditTransaction { OrganizationId = organizationId, UserId = organization.PersonalOwnerId ?? bookedBy, AmountMicros = micros, Reference = reference, At = time.GetUtcNow() });
        db.AuditEntries.Add(organizations.Audit(bookedBy, organizationId, OrganizationAuditActions.CreditBooked, $"{micros} micro-EUR ({reference})"));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Credit {AmountMicros} micro-EUR recorded for organization {OrganizationId} ({Reference})", micros, organizationId, reference);
    }

    /// <summary>Organizations for the site admin's pickers: company ones by name, personal ones by their owner's e-mail.</summary>
    public async Task<IReadOnlyList<(Guid Id, string Label)>> DirectoryAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await (from o in db.Organizations
                          join u in db.Users on o.PersonalOwnerId equals u.Id into owners
                          from owner in owners.DefaultIfEmpty()
                          select new { o.Id, o.Name, Owner = owner == null ? null : owner.Email }).ToListAsync(cancellationToken);
        return [.. rows.Select(r => (r.Id, r.Owner is null ? r.Name : r.Owner + " (personal)")).OrderBy(r => r.Item2, StringComparer.CurrentCultureIgnoreCase)];
    }
}
