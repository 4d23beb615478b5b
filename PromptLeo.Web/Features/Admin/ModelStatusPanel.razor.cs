using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using MudBlazor;
using PromptLeo.Inference;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Admin;

/// <summary>
/// The admin page's models: status, device, memory and errors per installed model, and the admin's actions (load,
/// unload, delete, enable for users, price). Every action goes through <see cref="ModelAdministration"/>, which audits it.
/// </summary>
public partial class ModelStatusPanel
{
    [Inject] private ModelAdministration Administration { get; set; } = default!;
    [Inject] private IModelRegistry Registry { get; set; } = default!;
    [Inject] private IOptions<InferenceOptions> Inference { get; set; } = default!;
    [Inject] private IStringLocalizer<ModelsResource> M { get; set; } = default!;
    [Inject] private ILogger<ModelStatusPanel> Logger { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthState { get; set; }

    private IReadOnlyList<AdminModelRow> rows = [];
    private string? message;
    private Severity severity = Severity.Normal;
    private bool busy;
    private string? confirmingDelete;
    private string? editingPrice;
    private decimal priceInput, priceOutput, priceImage;

    private sealed record PoolUsage(string Device, string Text);

    protected override async Task OnInitializedAsync() => await ReloadAsync();

    private async Task ReloadAsync() => rows = await Administration.ListAsync(Circuit);

    private async Task RescanAsync()
    {
        await Registry.RescanAsync(Circuit);
        await ReloadAsync();
    }

    private Task LoadAsync(AdminModelRow row) => RunAsync(async actor =>
    {
        var status = await Administration.LoadAsync(actor, row.Id, Circuit);
        return M["{0} is loaded on {1} ({2}).", row.Id, status.Device?.Device ?? "–", ByteSize.Format(status.ResidentBytes)];
    });

    private Task UnloadAsync(AdminModelRow row) => RunAsync(async actor =>
        await Administration.UnloadAsync(actor, row.Id, Circuit) ? M["{0} is unloaded.", row.Id] : M["{0} was not loaded.", row.Id]);

    private Task DeleteAsync(AdminModelRow row) => RunAsync(async actor =>
    {
        confirmingDelete = null;
        await Administration.DeleteAsync(actor, row.Id, Circuit);
        return M["{0} is deleted.", row.Id];
    });

    private Task SetEnabledAsync(AdminModelRow row, bool enabled) => RunAsync(async actor =>
    {
        await Administration.SetEnabledAsync(actor, row.Id, enabled, Circuit);
        return enabled ? M["{0} is enabled for users.", row.Id] : M["{0} is disabled: users no longer see it and requests for it are refused.", row.Id];
    });

    private void EditPrice(AdminModelRow row)
    {
        editingPrice = row.Id;
        priceInput = Money.ToEuro(row.Price.InputMicrosPerMillionTokens);
        priceOutput = Money.ToEuro(row.Price.OutputMicrosPerMillionTokens);
        priceImage = Money.ToEuro(row.Price.ImageMicrosPerMegapixelStep);
    }

    private Task SavePriceAsync(AdminModelRow row) => RunAsync(async actor =>
    {
        var price = await Administration.SetPriceAsync(actor, row.Id, priceInput, priceOutput, priceImage, Circuit);
        editingPrice = null;
        return M["Price version {0} saved for {1}; it applies to new requests.", price.Version, row.Id];
    });

    // One place that turns refusals into a message the admin can act on; the table is re-read afterwards either way.
    private async Task RunAsync(Func<string, Task<string>> action)
    {
        busy = true;
        try
        {
            var actor = (await AuthState!).User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
            (message, severity) = (await action(actor), Severity.Success);
        }
        catch (Exception ex) when (Describe(ex) is { } refusal)
        {
            (message, severity) = refusal;
        }
        finally
        {
            busy = false;
            await ReloadAsync();
        }
    }

    private (string, Severity)? Describe(Exception ex) => ex switch
    {
        ModelInUseException inUse => (M["{0} is serving {1} request(s); try again when they have finished.", inUse.ModelId, inUse.Requests], Severity.Warning),
        ModelCapacityException capacity => (M["Not enough memory to load it: {0}", capacity.Message], Severity.Warning),
        ModelLoadException load => (M["The model could not be loaded: {0}", load.Message], Severity.Error),
        ModelNotFoundException missing => (M["{0} is no longer installed.", missing.ModelId], Severity.Warning),
        AdministratorRequiredException => (M["Only an administrator may change models. Reload the page."], Severity.Error),
        ModelAdministrationException => (M["Demo models are written again at every start while Inference:CreateDemoModels is true, so deleting one would not last. Disable it instead, or turn that setting off first."], Severity.Warning),
        ArgumentException => (M["Enter prices of 0 or more."], Severity.Warning),
        IOException or UnauthorizedAccessException => LogAndDescribe(ex),
        _ => null,
    };

    private (string, Severity) LogAndDescribe(Exception ex)
    {
        Logger.LogWarning(ex, "A model folder could not be deleted");
        return (M["The model folder could not be deleted: {0}", ex.Message], Severity.Error);
    }

    private IEnumerable<PoolUsage> Pools() => rows
        .GroupBy(r => r.Status.MemoryDevice)
        .Select(g =>
        {
            var used = ByteSize.Format(g.Sum(r => r.Status.ResidentBytes));
            var cap = Inference.Value.MaxResidentBytesFor(g.Key);
            return new PoolUsage(g.Key, cap > 0 ? M["{0}: {1} of {2}", g.Key, used, ByteSize.Format(cap)] : M["{0}: {1} (no cap)", g.Key, used]);
        });

    private string MemoryText(ModelStatus model) => model.State == ModelState.Loaded
        ? M["{0} resident", ByteSize.Format(model.ResidentBytes)]
        : M["about {0} (estimate)", ByteSize.Format(model.EstimatedBytes)];

    private string PriceText(AdminModelRow row)
    {
        var p = row.Price;
        var text = M["{0} in / {1} out per 1M tokens, {2} per megapixel-step",
            Money.Format(p.InputMicrosPerMillionTokens, null, 4), Money.Format(p.OutputMicrosPerMillionTokens, null, 4), Money.Format(p.ImageMicrosPerMegapixelStep, null, 6)];
        return row.HasOwnPrice ? text : M["{0} (default)", text];
    }

    private string StateText(ModelState state) => state switch
    {
        ModelState.Loaded => L["loaded"],
        ModelState.Loading => L["loading"],
        ModelState.Failed => L["failed"],
        _ => L["not loaded"],
    };
}
