using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Billing;

public sealed record DailySpend(DateOnly Day, long AmountMicros);

public sealed record ModelSpend(string ModelId, long AmountMicros, int Requests);

public sealed record KeySpend(Guid? ApiKeyId, string Name, string Prefix, long AmountMicros, int Requests, long? BudgetMicros);

/// <summary>Read-only views of the ledger for the billing page and the CSV export.</summary>
public sealed class UsageReports(IDbContextFactory<AppDbContext> dbFactory)
{
    public async Task<IReadOnlyList<UsageEvent>> EventsAsync(string userId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.UsageEvents.AsNoTracking()
            .Where(u => u.UserId == userId && u.At >= from && u.At < to)
            .ToListAsync(cancellationToken);
        return rows.OrderByDescending(u => u.At).ToList();
    }

    public static IReadOnlyList<DailySpend> PerDay(IEnumerable<UsageEvent> events, DateTimeOffset monthStart)
    {
        var days = DateTime.DaysInMonth(monthStart.Year, monthStart.Month);
        var sums = events.GroupBy(e => DateOnly.FromDateTime(e.At.UtcDateTime)).ToDictionary(g => g.Key, g => g.Sum(e => e.AmountMicros));
        return Enumerable.Range(0, days).Select(i => DateOnly.FromDateTime(monthStart.UtcDateTime.AddDays(i)))
            .Select(d => new DailySpend(d, sums.GetValueOrDefault(d))).ToList();
    }

    public static IReadOnlyList<ModelSpend> PerModel(IEnumerable<UsageEvent> events) =>
        events.GroupBy(e => e.ModelId).Select(g => new ModelSpend(g.Key, g.Sum(e => e.AmountMicros), g.Count()))
            .OrderByDescending(m => m.AmountMicros).ToList();

    public async Task<IReadOnlyList<KeySpend>> PerKeyAsync(string userId, IEnumerable<UsageEvent> events, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.UserId == userId).ToListAsync(cancellationToken);
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
