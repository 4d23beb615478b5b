using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Billing;

public sealed record DailySpend(DateOnly Day, long AmountMicros);

public sealed record ModelSpend(string ModelId, long AmountMicros, int Requests);

public sealed record KeySpend(Guid? ApiKeyId, string Name, string Prefix, long AmountMicros, int Requests, long? BudgetMicros);

/// <summary>
/// One member's usage in an organization: amounts and counts only, never content. <see cref="Member"/> is the name and
/// e-mail of a current member, null for one who has left (shown as "Former member").
/// </summary>
public sealed record MemberSpend(string? Member, long AmountMicros, int Requests, long InputTokens, long OutputTokens, int Images, long? BudgetMicros);

/// <summary>One key's usage in an organization, with its creator as in <see cref="MemberSpend"/>.</summary>
public sealed record OrganizationKeySpend(Guid? ApiKeyId, string Name, string Prefix, string? Creator, long AmountMicros, int Requests, long? BudgetMicros);

/// <summary>An organization's usage of one month as its owners, admins and billing members see it.</summary>
public sealed record OrganizationUsage(long TotalMicros, IReadOnlyList<MemberSpend> PerMember, IReadOnlyList<OrganizationKeySpend> PerKey);

/// <summary>How members are named in an organization's usage and key lists.</summary>
public static class MemberLabels
{
    /// <summary>"Name &lt;e-mail&gt;" (or the e-mail) for each id that is still a member; ids of members who left are absent.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ForAsync(AppDbContext db, Guid organizationId, IEnumerable<string> userIds, CancellationToken cancellationToken = default)
    {
        var ids = userIds.Distinct(StringComparer.Ordinal).ToList();
        var rows = await (from m in db.OrganizationMembers
                          join u in db.Users on m.UserId equals u.Id
                          where m.OrganizationId == organizationId && ids.Contains(m.UserId)
                          select new { u.Id, u.DisplayName, u.Email }).ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.Id, r => string.IsNullOrWhiteSpace(r.DisplayName) ? r.Email ?? "" : $"{r.DisplayName} <{r.Email}>", StringComparer.Ordinal);
    }
}

/// <summary>Read-only views of the ledger for the billing page and the CSV export.</summary>
public sealed class UsageReports(IDbContextFactory<AppDbContext> dbFactory)
{
    /// <summary>The usage billed to <paramref name="organizationId"/>: one member's (<paramref name="userId"/>) or, when null, everyone's.</summary>
    public async Task<IReadOnlyList<UsageEvent>> EventsAsync(Guid organizationId, string? userId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.UsageEvents.AsNoTracking()
            .Where(u => u.OrganizationId == organizationId && (userId == null || u.UserId == userId) && u.At >= from && u.At < to)
            .ToListAsync(cancellationToken);
        return rows.OrderByDescending(u => u.At).ToList();
    }

    /// <summary>The organization's usage per member and per key (amounts and counts; no content).</summary>
    public async Task<OrganizationUsage> OrganizationAsync(Guid organizationId, IReadOnlyList<UsageEvent> events, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var budgets = await db.OrganizationMembers.AsNoTracking().Where(m => m.OrganizationId == organizationId)
            .ToDictionaryAsync(m => m.UserId, m => m.MonthlyBudgetMicros, StringComparer.Ordinal, cancellationToken);
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.OrganizationId == organizationId).ToListAsync(cancellationToken);
        var labels = await MemberLabels.ForAsync(db, organizationId, events.Select(e => e.UserId).Concat(keys.Select(k => k.UserId)), cancellationToken);
        var perMember = events.GroupBy(e => e.UserId, StringComparer.Ordinal)
            .Select(g => new MemberSpend(labels.GetValueOrDefault(g.Key), g.Sum(e => e.AmountMicros), g.Count(), g.Sum(e => (long)e.InputTokens), g.Sum(e => (long)e.OutputTokens), g.Sum(e => e.ImageCount), budgets.GetValueOrDefault(g.Key)))
            .OrderByDescending(m => m.AmountMicros).ToList();
        var sums = events.GroupBy(e => e.ApiKeyId).ToDictionary(g => g.Key ?? Guid.Empty, g => (Amount: g.Sum(e => e.AmountMicros), Count: g.Count()));
        var perKey = keys.OrderBy(k => k.CreatedAt)
            .Select(k => new OrganizationKeySpend(k.Id, k.Name, k.Prefix, labels.GetValueOrDefault(k.UserId), sums.GetValueOrDefault(k.Id).Amount, sums.GetValueOrDefault(k.Id).Count, k.MonthlyBudgetMicros))
            .ToList();
        if (sums.TryGetValue(Guid.Empty, out var portal))
        {
            perKey.Add(new OrganizationKeySpend(null, "Portal", "", null, portal.Amount, portal.Count, null));
        }
        return new OrganizationUsage(events.Sum(e => e.AmountMicros), perMember, perKey);
    }

    /// <summary>Spend per day of <paramref name="range"/> (UTC days), zero for days without usage.</summary>
    public static IReadOnlyList<DailySpend> PerDay(IEnumerable<UsageEvent> events, UsageRange range)
    {
        var sums = events.GroupBy(e => DateOnly.FromDateTime(e.At.UtcDateTime)).ToDictionary(g => g.Key, g => g.Sum(e => e.AmountMicros));
        return Enumerable.Range(0, range.Days).Select(i => range.From.AddDays(i)).Select(d => new DailySpend(d, sums.GetValueOrDefault(d))).ToList();
    }

    /// <summary>Spend per month touched by <paramref name="range"/>; each entry's day is the month's first.</summary>
    public static IReadOnlyList<DailySpend> PerMonth(IEnumerable<UsageEvent> events, UsageRange range)
    {
        static DateOnly MonthOf(DateOnly day) => new(day.Year, day.Month, 1);
        var sums = events.GroupBy(e => MonthOf(DateOnly.FromDateTime(e.At.UtcDateTime))).ToDictionary(g => g.Key, g => g.Sum(e => e.AmountMicros));
        var months = new List<DailySpend>();
        for (var month = MonthOf(range.From); month <= range.To; month = month.AddMonths(1))
        {
            months.Add(new DailySpend(month, sums.GetValueOrDefault(month)));
        }
        return months;
    }

    /// <summary>A day as a short axis label in <paramref name="culture"/>, without the year: "2.12." in German, "12/2" in English.</summary>
    public static string DayLabel(DateOnly day, CultureInfo culture)
    {
        var pattern = culture.DateTimeFormat.ShortDatePattern.Replace("yyyy", "").Replace("yy", "").Trim('/', '-', ' ');
        return day.ToString(pattern, culture);
    }

    public static IReadOnlyList<ModelSpend> PerModel(IEnumerable<UsageEvent> events) =>
        events.GroupBy(e => e.ModelId).Select(g => new ModelSpend(g.Key, g.Sum(e => e.AmountMicros), g.Count()))
            .OrderByDescending(m => m.AmountMicros).ToList();

    /// <summary>The member's own keys in the organization with what each spent.</summary>
    public async Task<IReadOnlyList<KeySpend>> PerKeyAsync(Guid organizationId, string userId, IEnumerable<UsageEvent> events, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.OrganizationId == organizationId && k.UserId == userId).ToListAsync(cancellationToken);
        var sums = events.GroupBy(e => e.ApiKeyId).ToDictionary(g => g.Key ?? Guid.Empty, g => (Amount: g.Sum(e => e.AmountMicros), Count: g.Count()));
        var result = keys.OrderBy(k => k.CreatedAt)
            .Select(k => new KeySpend(k.Id, k.Name, k.Prefix, sums.GetValueOrDefault(k.Id).Amount, sums.GetValueOrDefault(k.Id).Count, k.MonthlyBudgetMicros))
            .ToList();
        if (sums.TryGetValue(Guid.Empty, out var portal))
        {
            result.Add(new KeySpend(null, "Portal", "", portal.Amount, portal.Count, null));
        }
        return result;
    }

    /// <summary>The ledger as CSV (invariant culture, amounts in EUR with six decimals).</summary>
    public static string ToCsv(IEnumerable<UsageEvent> events)
    {
        var csv = new StringBuilder("time_utc,request_id,api_key_id,model,kind,input_tokens,output_tokens,images,width,height,steps,amount_eur\n");
        foreach (var e in events.OrderBy(e => e.At))
        {
            csv.Append(CultureInfo.InvariantCulture, $"{e.At.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},{e.RequestId},{e.ApiKeyId},{Escape(e.ModelId)},{e.Kind},{e.InputTokens},{e.OutputTokens},{e.ImageCount},{e.Width},{e.Height},{e.Steps},{Money.ToEuro(e.AmountMicros).ToString("0.000000", CultureInfo.InvariantCulture)}\n");
        }
        return csv.ToString();
    }

    private static string Escape(string value) =>
        value.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
}
