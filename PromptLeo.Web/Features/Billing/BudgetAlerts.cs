using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using MimeKit;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Email;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Billing;

/// <summary>Mails the account owner when this month's spend reaches 80 % and 100 % of the budget, once per month each.</summary>
public sealed class BudgetAlerts(
    IDbContextFactory<AppDbContext> dbFactory,
    IMailTransport transport,
    IOptions<EmailOptions> email,
    IStringLocalizer<BillingResource> strings,
    TimeProvider time,
    ILogger<BudgetAlerts> logger)
{
    public async Task CheckAsync(string userId, CancellationToken cancellationToken = default)
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
            await SendAsync(user.Email, user.PreferredLanguage, threshold, spent, cap, cancellationToken);
            logger.LogInformation("Budget alert {Threshold} % sent for {UserId}", threshold, userId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An alert must never fail the request that triggered it.
            logger.LogError(ex, "Budget alert check failed for {UserId}", userId);
        }
    }

    private async Task SendAsync(string address, string language, int threshold, long spent, long cap, CancellationToken cancellationToken)
    {
        var culture = CultureInfo.GetCultureInfo(language == "de" ? "de" : "en");
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            var subject = threshold >= 100
                ? strings["You have reached your monthly budget"].Value
                : strings["You have used 80 % of your monthly budget"].Value;
            var body = string.Format(culture, strings["This month you have spent {0} of your budget of {1}. You can change the budget on the billing page."].Value,
                Money.Format(spent, culture), Money.Format(cap, culture));
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
