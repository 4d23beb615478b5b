using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Breaches;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Resources;

namespace PromptLeo.Tests.Web.Breaches;

/// <summary>A clock the test sets; the breach register reads "now" only from it.</summary>
public sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Accounts and processing records at chosen times, on a model id of their own so tests sharing a database do not see each other's records.</summary>
public static class BreachSeed
{
    public static async Task<string> UserAsync(PortalFactory factory, string language)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var email = $"breach-{Guid.NewGuid():N}@firma-example.de";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, PreferredLanguage = language };
        Assert.True((await users.CreateAsync(user, "Breach-Passw0rd!")).Succeeded);
        return user.Id;
    }

    public static async Task RecordAsync(PortalFactory factory, string subjectId, string modelId, DateTimeOffset at, string channel = "portal")
    {
        var writer = factory.Services.GetRequiredService<ProcessingRecordWriter>();
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var record = writer.Create(ProcessingRecordWriter.NewRequestId(), subjectId, ProcessingPurpose.Chat, modelId, channel);
        record.At = at;
        db.ProcessingRecords.Add(record);
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// Records an incident discovered two hours ago over the last day (the browser walks' seed): its texts, risk and category
    /// as given, optionally narrowed to a model; returns its id.
    /// </summary>
    public static async Task<int> IncidentAsync(IServiceProvider services, string actorId, string description, BreachRisk risk, string? modelId = null,
        string consequences = "Metadaten / metadata", string measures = "Bucket 2026-12-01 12:00", string category = "usage metadata")
    {
        var now = DateTimeOffset.UtcNow;
        var input = Input(now.AddHours(-2), now.AddDays(-1), now, modelId, risk);
        (input.Description, input.Categories, input.Consequences, input.Measures) = (description, new HashSet<string> { category }, consequences, measures);
        var result = await services.GetRequiredService<BreachRegister>().RecordAsync(actorId, input);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result.Incident!.Id;
    }

    public static async Task<string> EmailOfAsync(PortalFactory factory, string userId)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Users.Where(u => u.Id == userId).Select(u => u.Email!).SingleAsync();
    }

    /// <summary>The app's register, but reading time from <paramref name="time"/>.</summary>
    public static BreachRegister Register(PortalFactory factory, TimeProvider time) => new(
        factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(),
        factory.Services.GetRequiredService<AuditLog>(),
        factory.Services.GetRequiredService<BreachDocuments>(),
        time,
        factory.Services.GetRequiredService<IStringLocalizer<BreachResource>>(),
        NullLogger<BreachRegister>.Instance);

    public static BreachInput Input(DateTimeOffset discovered, DateTimeOffset start, DateTimeOffset end, string? modelId, BreachRisk risk = BreachRisk.HighRisk) => new()
    {
        DiscoveredAt = discovered,
        Description = "A misconfigured log shipper copied request metadata to an unprotected bucket.",
        Nature = BreachNature.Confidentiality,
        Categories = ["usage metadata", "prompt text"],
        WindowStart = start,
        WindowEnd = end,
        ModelId = modelId,
        Consequences = "Third parties may have seen which model was used and when.",
        Measures = "Bucket closed, credentials rotated, shipper configuration reviewed.",
        Risk = risk,
    };
}
