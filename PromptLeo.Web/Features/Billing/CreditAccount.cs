using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Billing;

/// <summary>A payment provider that turns a checkout into a confirmed top-up (e.g. Stripe, Mollie); none ships yet.</summary>
public interface IPaymentProvider
{
    string Name { get; }

    /// <summary>Starts a payment and returns the URL the user pays at; the provider's webhook then calls <see cref="BillingAccounts.TopUpAsync"/>.</summary>
    Task<Uri> StartCheckoutAsync(string userId, long amountMicros, Uri returnUrl, CancellationToken cancellationToken = default);
}

/// <summary>Per-account billing settings, prepaid credit and top-ups.</summary>
public sealed class BillingAccounts(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, ILogger<BillingAccounts> logger)
{
    public async Task<BillingAccount> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.BillingAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.UserId == userId, cancellationToken)
            ?? new BillingAccount { UserId = userId };
    }

    public async Task SaveSettingsAsync(string userId, BillingMode mode, decimal? monthlyBudgetEur, CancellationToken cancellationToken = default)
    {
        if (monthlyBudgetEur < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(monthlyBudgetEur), "The budget must not be negative.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var account = await db.BillingAccounts.FirstOrDefaultAsync(a => a.UserId == userId, cancellationToken);
        if (account is null)
        {
            account = new BillingAccount { UserId = userId };
            db.BillingAccounts.Add(account);
        }
        account.Mode = mode;
        account.MonthlyBudgetMicros = monthlyBudgetEur is { } eur ? Money.FromEuro(eur) : null;
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Billing settings changed for {UserId}: mode {Mode}", userId, mode);
    }

    public async Task<long> BalanceAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await UsageLedger.CreditBalanceAsync(db, userId, cancellationToken);
    }

    /// <summary>Records a top-up (admin or a confirmed payment). Positive amounts only; corrections are separate negative rows.</summary>
    public async Task TopUpAsync(string userId, decimal amountEur, string reference, CancellationToken cancellationToken = default)
    {
        if (amountEur == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(amountEur), "The amount must not be zero.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Users.AnyAsync(u => u.Id == userId, cancellationToken))
        {
            throw new InvalidOperationException("The account does not exist.");
        }
        db.CreditTransactions.Add(new CreditTransaction { UserId = userId, AmountMicros = Money.FromEuro(amountEur), Reference = reference, At = time.GetUtcNow() });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Credit {AmountMicros} micro-EUR recorded for {UserId} ({Reference})", Money.FromEuro(amountEur), userId, reference);
    }
}
