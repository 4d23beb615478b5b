using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using MimeKit;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Email;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Mails the account owner when this month's spend reaches 80 % and 100 % of the account budget, or of the budget of the
/// API key that was used, once per month and threshold each.
/// </summary>
public sealed class BudgetAlerts(
    IDbContextFactory<AppDbContext> dbFactory,
    IMailTransport transport,
    IOptions<EmailOptions> email,
    IStringLocalizer<BillingResource> strings,
    TimeProvider time,
    ILogger<BudgetAlerts> logger)
{
    public async Task CheckAsync(string userId, Guid? keyId = null, CancellationToken cancellationToken = default)
    {
        await CheckBudgetAsync(userId, null, cancellationToken);
        if (keyId is { } key)
        {
            await CheckBudgetAsync(userId, key, cancellationToken);
        }
    }

    /// <summary>The account budget (no key) or the budget of one API key.</summary>
    private async Task CheckBudgetAsync(string userId, Guid? keyId, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var now = time.GetUtcNow();
            var monthStart = UsageLedger.MonthStart(now);
            var month = now.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            var usage = db.UsageEvents.Where(u => u.UserId == userId && u.At >= monthStart);
            long? budget;
            string? keyLabel = null;
            if (keyId is { } id)
            {
                var key = await db.ApiKeys.AsNoTracking().Where(k => k.Id == id && k.UserId == userId)
                    .Select(k => new { k.Name, k.Prefix, k.MonthlyBudgetMicros }).FirstOrDefaultAsync(cancellationToken);
                budget = key?.MonthlyBudgetMicros;
                keyLabel = key is null ? null : $"{key.Name} ({key.Prefix})";
                usage = usage.Where(u => u.ApiKeyId == id);
            }
            else
            {
                budget = await db.BillingAccounts.Where(a => a.UserId == userId).Select(a => a.MonthlyBudgetMicros).FirstOrDefaultAsync(cancellationToken);
            }
            if (budget is not { } cap || cap <= 0)
            {
                return;
            }
            var spent = await usage.SumAsync(u => u.AmountMicros, cancellationToken);
            var threshold = spent >= cap ? 100 : spent * 100 >= cap * 80 ? 80 : 0;
            // The conditional update claims the alert, so parallel requests send it once.
            if (threshold == 0 || await MarkAsync(db, userId, keyId, threshold, month, cancellationToken) == 0)
            {
                return;
            }
            var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.Email, u.PreferredLanguage }).FirstOrDefaultAsync(cancellationToken);
            if (user?.Email is null)
            {
                return;
            }
            try
            {
                await SendAsync(user.Email, user.PreferredLanguage, threshold, spent, cap, cancellationToken, keyLabel);
            }
            catch
            {
                // Not sent: give the claim back so the next request tries again.
                await MarkAsync(db, userId, keyId, threshold, null, CancellationToken.None);
                throw;
            }
            logger.LogInformation("Budget alert {Threshold} % sent for {UserId} (key {KeyId})", threshold, userId, keyId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An alert must never fail the request that triggered it.
            logger.LogError(ex, "Budget alert check failed for {UserId}", userId);
        }
    }

    /// <summary>
    /// Claims the alert for <paramref name="month"/> (100 % also covers 80 %) when it was not sent this month yet, or
    /// gives the claim back when <paramref name="month"/> is null. Returns the rows changed.
    /// </summary>
    private static Task<int> MarkAsync(AppDbContext db, string userId, Guid? keyId, int threshold, string? month, CancellationToken cancellationToken) =>
        keyId is { } id
            ? MarkAsync(db.ApiKeys.Where(k => k.Id == id && k.UserId == userId), threshold >= 100, month, cancellationToken)
            : MarkAsync(db.BillingAccounts.Where(a => a.UserId == userId), threshold >= 100, month, cancellationToken);

    private static Task<int> MarkAsync<T>(IQueryable<T> holder, bool full, string? month, CancellationToken cancellationToken)
        where T : class, IBudgetAlertMarks =>
        month is null
            ? full ? holder.ExecuteUpdateAsync(s => s.SetProperty(h => h.Alert100Month, (string?)null), cancellationToken)
                   : holder.ExecuteUpdateAsync(s => s.SetProperty(h => h.Alert80Month, (string?)null), cancellationToken)
            : full ? holder.Where(h => h.Alert100Month == null || h.Alert100Month != month)
                        .ExecuteUpdateAsync(s => s.SetProperty(h => h.Alert100Month, month).SetProperty(h => h.Alert80Month, month), cancellationToken)
                   : holder.Where(h => h.Alert80Month == null || h.Alert80Month != month)
                        .ExecuteUpdateAsync(s => s.SetProperty(h => h.Alert80Month, month), cancellationToken);

    private async Task SendAsync(string address, string language, int threshold, long spent, long cap, CancellationToken cancellationToken, string? keyLabel = null)
    {
        var culture = CultureInfo.GetCultureInfo(language == "de" ? "de" : "en");
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            var subject = (keyLabel, threshold >= 100) switch
            {
                (null, true) => strings["You have reached your monthly budget"].Value,
                (null, false) => strings["You have used 80 % of your monthly budget"].Value,
                (_, true) => string.Format(culture, strings["API key {0} has reached its monthly budget"].Value, keyLabel),
                (_, false) => string.Format(culture, strings["API key {0} has used 80 % of its monthly budget"].Value, keyLabel),
            };
            var body = keyLabel is null
                ? string.Format(culture, strings["This month you have spent {0} of your budget of {1}. You can change the budget on the billing page."].Value,
                    Money.Format(spent, culture), Money.Format(cap, culture))
                : string.Format(culture, strings["This month the key {0} has spent {1} of its budget of {2}. At 100 % the key is refused until the next month."].Value,
                    keyLabel, Money.Format(spent, culture), Money.Format(cap, culture));
            await transport.SendAsync(MailMessages.Compose(email.Value, address, subject, new TextPart("plain") { Text = body }), cancellationToken);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}
