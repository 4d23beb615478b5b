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
/// Mails when this month's spend reaches 80 % and 100 % of a budget, once per month and threshold each: the
/// organization's budget to its owners and billing members, a member's budget to the member, an API key's budget to the
/// member who created the key. Each mail is in its recipient's language.
/// </summary>
public sealed class BudgetAlerts(
    IDbContextFactory<AppDbContext> dbFactory,
    IMailTransport transport,
    IOptions<EmailOptions> email,
    IStringLocalizer<BillingResource> strings,
    TimeProvider time,
    ILogger<BudgetAlerts> logger)
{
    /// <summary>Checks the organization's, the member's and (when one was used) the key's budget after a charge.</summary>
    public async Task CheckAsync(Guid organizationId, string userId, Guid? keyId = null, CancellationToken cancellationToken = default)
    {
        await CheckBudgetAsync(BudgetLimit.Organization, organizationId, userId, null, cancellationToken);
        await CheckBudgetAsync(BudgetLimit.Member, organizationId, userId, null, cancellationToken);
        if (keyId is { } key)
        {
            await CheckBudgetAsync(BudgetLimit.ApiKey, organizationId, userId, key, cancellationToken);
        }
    }

    private sealed record Holder(long? Budget, string Label, IReadOnlyList<string> RecipientIds);

    private async Task CheckBudgetAsync(BudgetLimit scope, Guid organizationId, string userId, Guid? keyId, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var now = time.GetUtcNow();
            var monthStart = UsageLedger.MonthStart(now);
            var month = now.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            var organization = await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId)
                .Select(o => new { o.Name, o.PersonalOwnerId, o.MonthlyBudgetMicros }).FirstOrDefaultAsync(cancellationToken);
            if (organization is null)
            {
                return;
            }
            var usage = db.UsageEvents.Where(u => u.At >= monthStart);
            Holder? holder;
            switch (scope)
            {
                case BudgetLimit.ApiKey:
                    var id = keyId!.Value;
                    holder = await db.ApiKeys.AsNoTracking().Where(k => k.Id == id)
                        .Select(k => new Holder(k.MonthlyBudgetMicros, k.Name + " (" + k.Prefix + ")", new[] { k.UserId })).FirstOrDefaultAsync(cancellationToken);
                    usage = usage.Where(u => u.ApiKeyId == id);
                    break;
                case BudgetLimit.Member:
                    var memberBudget = await db.OrganizationMembers.Where(m => m.OrganizationId == organizationId && m.UserId == userId)
                        .Select(m => m.MonthlyBudgetMicros).FirstOrDefaultAsync(cancellationToken);
                    holder = new Holder(memberBudget, organization.Name, [userId]);
                    usage = usage.Where(u => u.OrganizationId == organizationId && u.UserId == userId);
                    break;
                default:
                    var payers = await db.OrganizationMembers.Where(m => m.OrganizationId == organizationId && (m.Role == OrganizationRole.Owner || m.Role == OrganizationRole.Billing))
                        .Select(m => m.UserId).ToListAsync(cancellationToken);
                    holder = new Holder(organization.MonthlyBudgetMicros, organization.Name, payers);
                    usage = usage.Where(u => u.OrganizationId == organizationId);
                    break;
            }
            if (holder?.Budget is not { } cap || cap <= 0)
            {
                return;
            }
            var spent = await usage.SumAsync(u => u.AmountMicros, cancellationToken);
            var threshold = spent >= cap ? 100 : spent * 100 >= cap * 80 ? 80 : 0;
            // The conditional update claims the alert, so parallel requests send it once.
            if (threshold == 0 || await MarkAsync(db, scope, organizationId, userId, keyId, threshold, month, cancellationToken) == 0)
            {
                return;
            }
            var recipients = await db.Users.AsNoTracking().Where(u => holder.RecipientIds.Contains(u.Id) && u.Email != null)
                .Select(u => new { u.Email, u.PreferredLanguage }).ToListAsync(cancellationToken);
            // A personal organization's budget is its owner's own, worded as before organizations existed.
            var personal = organization.PersonalOwnerId is not null;
            try
            {
                foreach (var recipient in recipients)
                {
                    await SendAsync(recipient.Email!, recipient.PreferredLanguage, scope, personal, holder.Label, threshold, spent, cap, cancellationToken);
                }
            }
            catch
            {
                // Not sent: give the claim back so the next request tries again.
                await MarkAsync(db, scope, organizationId, userId, keyId, threshold, null, CancellationToken.None);
                throw;
            }
            logger.LogInformation("Budget alert {Threshold} % ({Scope}) sent for organization {OrganizationId}, member {UserId}, key {KeyId}", threshold, scope, organizationId, userId, keyId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An alert must never fail the request that triggered it.
            logger.LogError(ex, "Budget alert check failed for organization {OrganizationId}, member {UserId}", organizationId, userId);
        }
    }

    /// <summary>
    /// Claims the alert for <paramref name="month"/> (100 % also covers 80 %) when it was not sent this month yet, or
    /// gives the claim back when <paramref name="month"/> is null. Returns the rows changed.
    /// </summary>
    private static Task<int> MarkAsync(AppDbContext db, BudgetLimit scope, Guid organizationId, string userId, Guid? keyId, int threshold, string? month, CancellationToken cancellationToken) => scope switch
    {
        BudgetLimit.ApiKey => MarkAsync(db.ApiKeys.Where(k => k.Id == keyId), threshold >= 100, month, cancellationToken),
        BudgetLimit.Member => MarkAsync(db.OrganizationMembers.Where(m => m.OrganizationId == organizationId && m.UserId == userId), threshold >= 100, month, cancellationToken),
        _ => MarkAsync(db.Organizations.Where(o => o.Id == organizationId), threshold >= 100, month, cancellationToken),
    };

    private static Task<int> MarkAsync<T>(IQueryable<T> holder, bool full, string? month, CancellationToken cancellationToken)
        where T : class, IBudgetAlertMarks =>
        month is null
            ? full ? holder.ExecuteUpdateAsync(s => s.SetProperty(h => h.Alert100Month, (string?)null), cancellationToken)
                   : holder.ExecuteUpdateAsync(s => s.SetProperty(h => h.Alert80Month, (string?)null), cancellationToken)
            : full ? holder.Where(h => h.Alert100Month == null || h.Alert100Month != month)
                        .ExecuteUpdateAsync(s => s.SetProperty(h => h.Alert100Month, month).SetProperty(h => h.Alert80Month, month), cancellationToken)
                   : holder.Where(h => h.Alert80Month == null || h.Alert80Month != month)
                        .ExecuteUpdateAsync(s => s.SetProperty(h => h.Alert80Month, month), cancellationToken);

    private async Task SendAsync(string address, string language, BudgetLimit scope, bool personal, string label, int threshold, long spent, long cap, CancellationToken cancellationToken)
    {
        var culture = CultureInfo.GetCultureInfo(language == "de" ? "de" : "en");
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            var full = threshold >= 100;
            var (subject, body) = (scope, personal) switch
            {
                (BudgetLimit.ApiKey, _) => (
                    full ? strings["API key {0} has reached its monthly budget"] : strings["API key {0} has used 80 % of its monthly budget"],
                    strings["This month the key {0} has spent {1} of its budget of {2}. At 100 % the key is refused until the next month."]),
                (BudgetLimit.Organization, false) => (
                    full ? strings["The organization {0} has reached its monthly budget"] : strings["The organization {0} has used 80 % of its monthly budget"],
                    strings["This month the organization {0} has spent {1} of its budget of {2}. At 100 % all its members and keys are refused until the next month; owners and billing members can change the budget on the billing page."]),
                (BudgetLimit.Member, false) => (
                    full ? strings["You have reached your monthly budget in {0}"] : strings["You have used 80 % of your monthly budget in {0}"],
                    strings["This month you have spent {1} of your budget of {2} in the organization {0}. At 100 % your requests for it are refused until the next month; its owners and admins can change your budget."]),
                _ => (
                    full ? strings["You have reached your monthly budget"] : strings["You have used 80 % of your monthly budget"],
                    strings["This month you have spent {0} of your budget of {1}. You can change the budget on the billing page."]),
            };
            var amounts = new[] { Money.Format(spent, culture), Money.Format(cap, culture) };
            // Only the own-budget text of a personal organization names no holder.
            var text = string.Format(culture, body.Value, scope == BudgetLimit.ApiKey || !personal ? [label, .. amounts] : amounts);
            await transport.SendAsync(MailMessages.Compose(email.Value, address, string.Format(culture, subject.Value, label), new TextPart("plain") { Text = text }), cancellationToken);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}
