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
        await CheckAccountAsync(userId, cancellationToken);
        if (keyId is { } key)
        {
            await CheckKeyAsync(userId, key, cancellationToken);
        }
    }

    private async Task CheckKeyAsync(string userId, Guid keyId, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var key = await db.ApiKeys.AsNoTracking().Where(k => k.Id == keyId && k.UserId == userId)
                .Select(k => new { k.Name, k.Prefix, k.MonthlyBudgetMicros }).FirstOrDefaultAsync(cancellationToken);
            if (key?.MonthlyBudgetMicros is not { } cap || cap <= 0)
            {
                return;
            }
            var now = time.GetUtcNow();
            var monthStart = UsageLedger.MonthStart(now);
            var month = now.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            var spent = await db.UsageEvents.Where(u => u.UserId == userId && u.ApiKeyId == keyId && u.At >= monthStart).SumAsync(u => u.AmountMicros, cancellationToken);
            int threshold;
            int claimed;
            if (spent >= cap)
            {
                threshold = 100;
                claimed = await db.ApiKeys.Where(k => k.Id == keyId && (k.Alert100Month == null || k.Alert100Month != month))
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.Alert100Month, month).SetProperty(k => k.Alert80Month, month), cancellationToken);
            }
            else if (spent * 100 >= cap * 80)
            {
                threshold = 80;
                claimed = await db.ApiKeys.Where(k => k.Id == keyId && (k.Alert80Month == null || k.Alert80Month != month))
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.Alert80Month, month), cancellationToken);
            }
            else
            {
                return;
            }
            var user = claimed == 0 ? null : await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.Email, u.PreferredLanguage }).FirstOrDefaultAsync(cancellationToken);
            if (user?.Email is null)
            {
                return;
            }
            try
            {
                await SendAsync(user.Email, user.PreferredLanguage, threshold, spent, cap, cancellationToken, $"{key.Name} ({key.Prefix})");
            }
            catch
            {
                // Not sent: give the claim back so the next request tries again.
                if (threshold >= 100)
                {
                    await db.ApiKeys.Where(k => k.Id == keyId).ExecuteUpdateAsync(s => s.SetProperty(k => k.Alert100Month, (string?)null), CancellationToken.None);
                }
                else
                {
                    await db.ApiKeys.Where(k => k.Id == keyId).ExecuteUpdateAsync(s => s.SetProperty(k => k.Alert80Month, (string?)null), CancellationToken.None);
                }
                throw;
            }
            logger.LogInformation("Key budget alert {Threshold} % sent for key {KeyPrefix} of {UserId}", threshold, key.Prefix, userId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Key budget alert check failed for {UserId}", userId);
        }
    }

    private async Task CheckAccountAsync(string userId, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var budget = await db.BillingAccounts.Where(a => a.UserId == userId).Select(a => a.MonthlyBudgetMicros).FirstOrDefaultAsync(cancellationToken);
            if (budget is not { } cap || cap <= 0)
            {
                return;
            }
            var now = time.GetUtcNow();
            var monthStart = UsageLedger.MonthStart(now);
            var month = now.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            var spent = await db.UsageEvents.Where(u => u.UserId == userId && u.At >= monthStart).SumAsync(u => u.AmountMicros, cancellationToken);
            int threshold;
            int claimed;
            // The conditional update claims the alert, so parallel requests send it once.
            if (spent >= cap)
            {
                threshold = 100;
                claimed = await db.BillingAccounts.Where(a => a.UserId == userId && (a.Alert100Month == null || a.Alert100Month != month))
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.Alert100Month, month).SetProperty(a => a.Alert80Month, month), cancellationToken);
            }
            else if (spent * 100 >= cap * 80)
            {
                threshold = 80;
                claimed = await db.BillingAccounts.Where(a => a.UserId == userId && (a.Alert80Month == null || a.Alert80Month != month))
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.Alert80Month, month), cancellationToken);
            }
            else
            {
                return;
            }
            if (claimed == 0)
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
                await SendAsync(user.Email, user.PreferredLanguage, threshold, spent, cap, cancellationToken);
            }
            catch
            {
                // Not sent: give the claim back so the next request tries again.
                if (threshold >= 100)
                {
                    await db.BillingAccounts.Where(a => a.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(a => a.Alert100Month, (string?)null), CancellationToken.None);
                }
                else
                {
                    await db.BillingAccounts.Where(a => a.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(a => a.Alert80Month, (string?)null), CancellationToken.None);
                }
                throw;
            }
            logger.LogInformation("Budget alert {Threshold} % sent for {UserId}", threshold, userId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An alert must never fail the request that triggered it.
            logger.LogError(ex, "Budget alert check failed for {UserId}", userId);
        }
    }

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
            var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = body } };
            message.From.Add(new MailboxAddress(email.Value.FromName, email.Value.FromAddress));
            message.To.Add(MailboxAddress.Parse(address));
            await transport.SendAsync(message, cancellationToken);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}
