using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;

namespace PromptLeo.Tests.Web.Images;

/// <summary>The portal with its demo image models on the CPU, small studio limits and a recording usage meter.</summary>
public sealed class ImagesPortalFactory : PortalFactory
{
    public const int MaxUploadBytes = 200_000;
    public const int MaxPromptLength = 200;

    public RecordingUsageMeter Meter { get; } = new();

    /// <summary>Every log line of the portal's own categories, down to Debug.</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Inference:Device"] = "Cpu",
        ["Images:MaxUploadBytes"] = MaxUploadBytes.ToString(),
        ["Images:MaxPromptLength"] = MaxPromptLength.ToString(),
        ["Images:PageSize"] = "3",
        ["Logging:LogLevel:PromptLeo"] = "Debug",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IUsageMeter>(Meter));
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    /// <summary>A user created directly through Identity (no mail round trip); returns the user id.</summary>
    public async Task<string> CreateUserAsync(Action<ApplicationUser>? configure = null)
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var email = $"studio.{Guid.NewGuid():N}@example.de";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        configure?.Invoke(user);
        var created = await users.CreateAsync(user, "Studio-Passw0rd-1");
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        return user.Id;
    }

    public async Task<AppDbContext> DbAsync() =>
        await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    public async Task<string> UserIdOfAsync(string email)
    {
        await using var db = await DbAsync();
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }
}

/// <summary>Records what the studio reserves and settles; refuses users listed in <see cref="RefusedUsers"/>.</summary>
public sealed class RecordingUsageMeter : IUsageMeter
{
    public ConcurrentQueue<UsageEstimate> Reserved { get; } = new();

    public ConcurrentDictionary<string, UsageActual> Settled { get; } = new();

    public ConcurrentDictionary<string, int> Released { get; } = new();

    public ConcurrentDictionary<string, bool> RefusedUsers { get; } = new();

    public Task<IUsageReservation> ReserveAsync(UsageEstimate estimate, CancellationToken cancellationToken = default)
    {
        if (RefusedUsers.ContainsKey(estimate.UserId))
        {
            throw new BudgetExceededException("Budget exceeded.");
        }
        Reserved.Enqueue(estimate);
        return Task.FromResult<IUsageReservation>(new Reservation(this, estimate.RequestId));
    }

    private sealed class Reservation(RecordingUsageMeter meter, string requestId) : IUsageReservation
    {
        public decimal Settle(AppDbContext db, UsageActual actual)
        {
            meter.Settled[requestId] = actual;
            return 0m;
        }

        public ValueTask DisposeAsync()
        {
            meter.Released.AddOrUpdate(requestId, 1, (_, n) => n + 1);
            return ValueTask.CompletedTask;
        }
    }
}
