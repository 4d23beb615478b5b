using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Admin;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Tests.Web.Models;

/// <summary>The admin's model actions through the real app: enable/disable on every path, prices, load, unload, delete, audit.</summary>
public sealed class ModelAdministrationTests(CpuDemoPortal portal) : IClassFixture<CpuDemoPortal>
{
    private const string ChatModel = ApiPortalFactory.ChatModel;
    private const string ImageModel = ApiPortalFactory.ImageModel;

    private ModelAdministration Models => portal.Services.GetRequiredService<ModelAdministration>();

    private async Task<string> AdminIdAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return (await users.FindByEmailAsync(PortalFactory.AdminEmail))!.Id;
    }

    private async Task<List<AuditEntry>> AuditAsync(string action)
    {
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.AsNoTracking().Where(a => a.Action == action).ToListAsync();
    }

    private static object ChatBody(string model) => new { model, max_tokens = 4, messages = new[] { new { role = "user", content = "hello" } } };

    private static async Task AssertModelDisabledAsync(HttpResponseMessage response, string modelId)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("model_disabled", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Equal($"The model '{modelId}' has been disabled by an administrator. Choose another model.", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task DisabledModel_NotOfferedAndRefusedOnV1ChatImagesAndPortal_UntilEnabledAgain()
    {
        var admin = await AdminIdAsync();
        var (client, userId, _) = await portal.CreateApiClientAsync();
        try
        {
            Assert.True(await Models.SetEnabledAsync(admin, ChatModel, enabled: false));
            Assert.True(await Models.SetEnabledAsync(admin, ImageModel, enabled: false));
            Assert.False(await Models.SetEnabledAsync(admin, ImageModel, enabled: false)); // already disabled: no change, no entry

            using (var list = JsonDocument.Parse(await client.GetStringAsync("/v1/models")))
            {
                var ids = list.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
                Assert.DoesNotContain(ChatModel, ids);
                Assert.DoesNotContain(ImageModel, ids);
                Assert.Contains(DemoModelSet.DemoBackgroundRemovalModelId, ids);
            }
            await AssertModelDisabledAsync(await client.GetAsync($"/v1/models/{ChatModel}"), ChatModel);
            await AssertModelDisabledAsync(await client.PostAsJsonAsync("/v1/chat/completions", ChatBody(ChatModel)), ChatModel);
            // The registry ignores case; the setting cannot be passed by spelling the id differently.
            await AssertModelDisabledAsync(await client.PostAsJsonAsync("/v1/chat/completions", ChatBody(ChatModel.ToUpperInvariant())), ChatModel);
            await AssertModelDisabledAsync(await client.PostAsJsonAsync("/v1/images/generations",
                new { model = ImageModel, prompt = "a boat", size = "64x64", steps = 1 }), ImageModel);

            // The portal: not in the pickers, and refused if a page still sends it.
            Assert.DoesNotContain(portal.Services.GetRequiredService<ChatService>().AvailableModels(), m => m.Id == ChatModel);
            Assert.DoesNotContain(portal.Services.GetRequiredService<ImageModelChoices>().Diffusion(), m => m.Id == ImageModel);
            var chatRefusal = await Assert.ThrowsAsync<ModelDisabledException>(() => portal.Services.GetRequiredService<ChatService>().StartTurnAsync(
                new ChatTurnRequest(userId, ChatTurnKind.Send, new ChatSettings { ModelId = ChatModel, MaxTokens = 4 }) { Prompt = "hello" }));
            Assert.Equal(ChatModel, chatRefusal.ModelId);
            await Assert.ThrowsAsync<ModelDisabledException>(() => portal.Services.GetRequiredService<ImageStudioService>().GenerateAsync(userId,
                new StudioRequest { ModelId = ImageModel, Prompt = "a boat", Width = 64, Height = 64, Steps = 1 }));

            // Refused before anything ran: no usage, no processing record.
            Assert.Empty(await portal.UsageEventsAsync(userId));
            Assert.Empty(await portal.RecordsAsync(userId));
            var disabled = await AuditAsync(AuditActions.ModelDisabled);
            Assert.Contains(disabled, a => a.ActorId == admin && a.Details == ChatModel && a.SubjectId is null);
            Assert.Single(disabled, a => a.Details == ImageModel);
        }
        finally
        {
            await Models.SetEnabledAsync(admin, ChatModel, enabled: true);
            await Models.SetEnabledAsync(admin, ImageModel, enabled: true);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/chat/completions", ChatBody(ChatModel))).StatusCode);
        Assert.Contains(portal.Services.GetRequiredService<ChatService>().AvailableModels(), m => m.Id == ChatModel);
        Assert.Contains(await AuditAsync(AuditActions.ModelEnabled), a => a.ActorId == admin && a.Details == ChatModel);
    }

    [Fact]
    public async Task SetPriceAsync_NewVersion_ChargesTheNextRequestOnly_AndIsAudited()
    {
        var admin = await AdminIdAsync();
        var (client, userId, _) = await portal.CreateApiClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/chat/completions", ChatBody(ChatModel))).StatusCode);
        var before = Assert.Single(await portal.UsageEventsAsync(userId));

        var price = await Models.SetPriceAsync(admin, ChatModel, inputEurPerMillionTokens: 1000m, outputEurPerMillionTokens: 3000m, imageEurPerMegapixelStep: 0m);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/chat/completions", ChatBody(ChatModel))).StatusCode);

        var events = await portal.UsageEventsAsync(userId);
        var earlier = events.Single(e => e.Id == before.Id);
        var after = events.Single(e => e.Id != before.Id);
        Assert.Equal((before.PriceId, before.AmountMicros, before.InputMicrosPerMillionTokens), (earlier.PriceId, earlier.AmountMicros, earlier.InputMicrosPerMillionTokens));
        Assert.NotEqual(price.Id, earlier.PriceId);
        Assert.Equal(price.Id, after.PriceId);
        Assert.Equal((Money.FromEuro(1000m), Money.FromEuro(3000m)), (after.InputMicrosPerMillionTokens, after.OutputMicrosPerMillionTokens));
        Assert.Equal(PriceList.Cost(price, after.InputTokens, after.OutputTokens, 0, 0, 0, 0), after.AmountMicros);
        Assert.True(after.AmountMicros > earlier.AmountMicros);

        var row = (await Models.ListAsync()).Single(r => r.Id == ChatModel);
        Assert.True(row.HasOwnPrice);
        Assert.Equal(price.Id, row.Price.Id);
        var audited = Assert.Single(await AuditAsync(AuditActions.PriceChanged), a => a.Details.StartsWith($"{ChatModel} v{price.Version}:", StringComparison.Ordinal));
        Assert.Equal(admin, audited.ActorId);
        Assert.Contains("input 1000 EUR/1M tokens, output 3000 EUR/1M tokens", audited.Details);
        await Assert.ThrowsAsync<ArgumentException>(() => Models.SetPriceAsync(admin, ChatModel, -1m, 0m, 0m));
        await Assert.ThrowsAsync<ModelNotFoundException>(() => Models.SetPriceAsync(admin, "no-such-model", 1m, 1m, 1m));
    }

    [Fact]
    public async Task LoadUnloadDelete_RefusedWhileServing_DoneAfterwards_AuditedAndDemoDeletionRefused()
    {
        var admin = await AdminIdAsync();
        var modelsFolder = portal.Services.GetRequiredService<DataPaths>().Models;
        await DemoChatModelWriter.WriteAsync(modelsFolder, TinyModels.ChatModel("extra-chat"));
        var extraFolder = Path.Combine(modelsFolder, "extra-chat");
        // An installed (not demo) model: the portal does not write it again at the next start.
        await ModelManifestFile.WriteAsync(extraFolder, (await ModelManifestFile.ReadAsync(extraFolder)) with { IsDemo = false, DisplayName = "Extra" });
        var registry = portal.Services.GetRequiredService<IModelRegistry>();
        await registry.RescanAsync();

        var loaded = await Models.LoadAsync(admin, "extra-chat");
        Assert.Equal((ModelState.Loaded, "CPU"), (loaded.State, loaded.Device?.Device));
        Assert.True(loaded.ResidentBytes > 0);

        var lease = await registry.AcquireAsync("extra-chat");
        await Assert.ThrowsAsync<ModelInUseException>(() => Models.UnloadAsync(admin, "extra-chat"));
        var inUse = await Assert.ThrowsAsync<ModelInUseException>(() => Models.DeleteAsync(admin, "extra-chat"));
        Assert.Contains("is serving 1 request(s)", inUse.Message);
        Assert.True(Directory.Exists(Path.Combine(modelsFolder, "extra-chat")));
        lease.Dispose();

        Assert.True(await Models.UnloadAsync(admin, "extra-chat"));
        Assert.Equal(ModelState.NotLoaded, registry.Get("extra-chat")!.State);
        await Models.DeleteAsync(admin, "extra-chat");
        Assert.False(Directory.Exists(Path.Combine(modelsFolder, "extra-chat")));
        Assert.Null(registry.Get("extra-chat"));

        var demo = await Assert.ThrowsAsync<ModelAdministrationException>(() => Models.DeleteAsync(admin, ChatModel));
        Assert.Equal(ModelAdministration.DemoDeletionRefused, demo.Message);
        Assert.True(File.Exists(Path.Combine(modelsFolder, ChatModel, ModelManifestFile.FileName)));

        Assert.Contains(await AuditAsync(AuditActions.ModelLoaded), a => a.ActorId == admin && a.Details.StartsWith("extra-chat on CPU, ", StringComparison.Ordinal));
        Assert.Contains(await AuditAsync(AuditActions.ModelUnloaded), a => a.ActorId == admin && a.Details == "extra-chat");
        Assert.Contains(await AuditAsync(AuditActions.ModelDeleted), a => a.ActorId == admin && a.Details == "extra-chat");
        Assert.DoesNotContain(await AuditAsync(AuditActions.ModelDeleted), a => a.Details == ChatModel);
    }

    [Fact]
    public async Task Actions_ByAnAccountThatIsNotAdmin_RefusedAndNothingChanged()
    {
        var userId = await portal.CreateUserAsync();
        // The account's own activity (its registration) is logged; the refused actions must add nothing to it.
        var auditBefore = await AuditCountAsync(userId);

        await Assert.ThrowsAsync<AdministratorRequiredException>(() => Models.SetEnabledAsync(userId, ChatModel, enabled: false));
        await Assert.ThrowsAsync<AdministratorRequiredException>(() => Models.SetPriceAsync(userId, ChatModel, 0m, 0m, 0m));
        await Assert.ThrowsAsync<AdministratorRequiredException>(() => Models.DeleteAsync(userId, ChatModel));
        await Assert.ThrowsAsync<AdministratorRequiredException>(() => Models.UnloadAsync(userId, ChatModel));
        await Assert.ThrowsAsync<AdministratorRequiredException>(() => Models.LoadAsync(userId, ChatModel));

        Assert.True(portal.Services.GetRequiredService<ModelAvailability>().IsOffered(ChatModel));
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(auditBefore, await AuditCountAsync(userId));
        Assert.False(await db.ModelPrices.AnyAsync(p => p.ChangedBy == userId));
    }

    private async Task<int> AuditCountAsync(string actorId)
    {
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.CountAsync(a => a.ActorId == actorId);
    }

    [Fact]
    public async Task AdminPage_ModelsSection_ShowsMemoryUsersPriceAndActions()
    {
        var client = portal.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);

        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/admin"));

        Assert.Contains($"data-enable-toggle=\"{ChatModel}\"", html);
        Assert.Contains($"data-model-delete=\"{ChatModel}\"", html);
        Assert.Contains($"data-price-edit=\"{ChatModel}\"", html);
        Assert.Contains("class=\"model-memory\"", html);
        Assert.Contains("data-device=\"cpu\"", html);
        Assert.Contains("per 1M tokens", html);
    }
}

/// <summary>Demo models with a one-byte memory cap: nothing fits.</summary>
public sealed class NoRoomPortal : ApiPortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Inference:Device"] = "Cpu",
        ["Inference:MaxResidentBytes"] = "1",
    };
}

/// <summary>A model that does not fit its device's cap: refused at once with a retryable answer, never marked failed.</summary>
public sealed class ModelCapacityPortalTests(NoRoomPortal portal) : IClassFixture<NoRoomPortal>
{
    [Fact]
    public async Task Request_ModelLargerThanTheCap_503RetryableAndModelNotFailed()
    {
        var (client, userId, _) = await portal.CreateApiClientAsync();

        var response = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = ApiPortalFactory.ChatModel, max_tokens = 4, messages = new[] { new { role = "user", content = "hello" } } });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("model_unavailable", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, (await portal.UsageEventsAsync(userId)).Sum(u => u.AmountMicros));
        var status = portal.Services.GetRequiredService<IModelRegistry>().Get(ApiPortalFactory.ChatModel)!;
        Assert.Equal((ModelState.NotLoaded, null), (status.State, status.Error));

        var refused = await Assert.ThrowsAsync<ModelCapacityException>(() =>
            portal.Services.GetRequiredService<ModelAdministration>().LoadAsync(AuditActions.CommandLine, ApiPortalFactory.ChatModel));
        Assert.Contains("more than the cap of 1 bytes", refused.Message);
    }
}
