using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Chat;

namespace PromptLeo.Tests.Web.Chat;

/// <summary>The portal with a metering seam that charges per token and refuses one marked user (billing ships separately).</summary>
public sealed class ChargingPortalFactory : PortalFactory
{
    public const string BrokeMarker = "broke";

    public List<(UsageEstimate Estimate, UsageActual? Actual)> Calls { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IUsageMeter>(new PerTokenMeter(this)));
    }

    private sealed class PerTokenMeter(ChargingPortalFactory owner) : IUsageMeter
    {
        public Task<IUsageReservation> ReserveAsync(UsageEstimate estimate, CancellationToken cancellationToken = default)
        {
            if (estimate.UserId.StartsWith(BrokeMarker, StringComparison.Ordinal))
            {
                throw new BudgetExceededException("Monthly budget of 0.00 EUR reached.");
            }
            return Task.FromResult<IUsageReservation>(new Reservation(owner, estimate));
        }

        private sealed class Reservation(ChargingPortalFactory owner, UsageEstimate estimate) : IUsageReservation
        {
            public decimal Settle(AppDbContext db, UsageActual actual)
            {
                lock (owner.Calls)
                {
                    owner.Calls.Add((estimate, actual));
                }
                return (actual.InputTokens + actual.OutputTokens) * 0.0001m;
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}

public sealed class ChatBillingTests(ChargingPortalFactory factory) : IClassFixture<ChargingPortalFactory>
{
    [Fact]
    public async Task Turn_ReservesMaxTokens_SettlesProducedTokens_AndStoresCost()
    {
        var chat = factory.Services.GetRequiredService<ChatService>();
        var userId = await ChatServiceTests.CreateUserAsync(factory);

        var result = await ChatServiceTests.RunAsync(chat, new ChatTurnRequest(userId, ChatTurnKind.Send,
            new ChatSettings { ModelId = DemoModelInstaller.DemoChatModelId, MaxTokens = 10 }) { Prompt = "what does it cost?" });

        Assert.Equal((result.PromptTokens + result.CompletionTokens) * 0.0001m, result.Cost);
        var call = Assert.Single(factory.Calls, c => c.Estimate.UserId == userId);
        Assert.Equal(UsageKind.Chat, call.Estimate.Kind);
        Assert.Equal(10, call.Estimate.MaxOutputTokens);
        Assert.True(call.Estimate.InputTokens > 0);
        Assert.Equal(new UsageActual(result.PromptTokens, result.CompletionTokens), call.Actual);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var answer = await db.ConversationMessages.SingleAsync(m => m.ConversationId == result.ConversationId && m.Role == ChatRoles.Assistant);
        Assert.Equal(result.Cost, answer.Cost);
        Assert.Equal(call.Estimate.RequestId, answer.RequestId);
    }

    [Fact]
    public async Task BudgetExceeded_IsThrownBeforeInference_AndNothingIsStored()
    {
        var chat = factory.Services.GetRequiredService<ChatService>();
        var userId = await ChatServiceTests.CreateUserAsync(factory, idPrefix: ChargingPortalFactory.BrokeMarker);

        var ex = await Assert.ThrowsAsync<BudgetExceededException>(() => chat.StartTurnAsync(new ChatTurnRequest(userId, ChatTurnKind.Send,
            new ChatSettings { ModelId = DemoModelInstaller.DemoChatModelId, MaxTokens = 10 }) { Prompt = "too expensive" }));

        Assert.Contains("budget", ex.Message);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Conversations.AnyAsync(c => c.UserId == userId));
        Assert.False(await db.ProcessingRecords.AnyAsync(r => r.SubjectId == userId));
    }
}
