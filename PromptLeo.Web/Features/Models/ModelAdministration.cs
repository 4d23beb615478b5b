using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Models;

/// <summary>One installed model as the admin page and the CLI show it: status, availability and current price.</summary>
public sealed record AdminModelRow(ModelStatus Status, bool Disabled, ModelPrice Price)
{
    public string Id => Status.Manifest.Id;

    /// <summary>True when the model has its own price version; otherwise the default price applies.</summary>
    public bool HasOwnPrice => Price.ModelId == Id;
}

/// <summary>An administrator's action that policy refuses; the message says why.</summary>
public sealed class ModelAdministrationException(string message) : Exception(message);

/// <summary>The acting account is not (or no longer) an administrator.</summary>
public sealed class AdministratorRequiredException() : Exception("Only an administrator may change models.");

/// <summary>
/// The administrator's actions on installed models: load, unload, delete, enable or disable, set the price. Every
/// action is written to the audit log with the acting admin (or <see cref="AuditActions.CommandLine"/>). The actor must
/// still be an admin when acting: a page's role check is as old as its circuit.
/// </summary>
public sealed class ModelAdministration(
    IModelRegistry registry,
    ModelAvailability availability,
    PriceList prices,
    AuditLog audit,
    IOptions<InferenceOptions> inference,
    IServiceScopeFactory scopes,
    ILogger<ModelAdministration> logger)
{
    /// <summary>Why a demo model is not deleted while the portal writes the demo models at every start.</summary>
    public const string DemoDeletionRefused =
        "Demo models are written again at every start while Inference:CreateDemoModels is true, so deleting one would not last. " +
        "Disable it instead, or turn that setting off first.";

    /// <summary>Every installed model with whether it is disabled and the price that applies to it now.</summary>
    public async Task<IReadOnlyList<AdminModelRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        var disabled = availability.DisabledIds();
        var current = await prices.ListCurrentAsync(cancellationToken);
        var fallback = current.First(p => p.ModelId == PriceList.DefaultModelId);
        return registry.List()
            .Select(s => new AdminModelRow(s, disabled.Contains(s.Manifest.Id), current.FirstOrDefault(p => p.ModelId == s.Manifest.Id) ?? fallback))
            .ToList();
    }

    /// <summary>Loads the model now (a no-op when it is loaded) and returns its status.</summary>
    public async Task<ModelStatus> LoadAsync(string actorId, string modelId, CancellationToken cancellationToken = default)
    {
        await EnsureAdministratorAsync(actorId);
        var id = Installed(modelId).Manifest.Id;
        using (await registry.AcquireAsync(id, cancellationToken))
        {
        }
        var status = registry.Get(id) ?? throw new ModelNotFoundException(id);
        await audit.WriteAsync(actorId, null, AuditActions.ModelLoaded,
            string.Create(CultureInfo.InvariantCulture, $"{id} on {status.Device?.Device}, {status.ResidentBytes} bytes"), cancellationToken);
        return status;
    }

    /// <summary>Unloads the model; false when it was not loaded. Refused with <see cref="ModelInUseException"/> while a request holds it.</summary>
    public async Task<bool> UnloadAsync(string actorId, string modelId, CancellationToken cancellationToken = default)
    {
        await EnsureAdministratorAsync(actorId);
        var id = Installed(modelId).Manifest.Id;
        if (!await registry.UnloadAsync(id, cancellationToken))
        {
            return false;
        }
        await audit.WriteAsync(actorId, null, AuditActions.ModelUnloaded, id, cancellationToken);
        return true;
    }

    /// <summary>
    /// Deletes the model's folder. Refused with <see cref="ModelInUseException"/> while a request holds it, and with
    /// <see cref="ModelAdministrationException"/> for a demo model the portal would write again at the next start.
    /// Its enable/disable setting and its prices stay (prices are part of the billing history).
    /// </summary>
    public async Task DeleteAsync(string actorId, string modelId, CancellationToken cancellationToken = default)
    {
        await EnsureAdministratorAsync(actorId);
        var status = Installed(modelId);
        if (status.Manifest.IsDemo && inference.Value.CreateDemoModels)
        {
            throw new ModelAdministrationException(DemoDeletionRefused);
        }
        await registry.DeleteAsync(status.Manifest.Id, cancellationToken);
        logger.LogInformation("Model {ModelId} deleted by {ActorId}", status.Manifest.Id, actorId);
        await audit.WriteAsync(actorId, null, AuditActions.ModelDeleted, status.Manifest.Id, cancellationToken);
    }

    /// <summary>Enables or disables the model for users; returns false when it already was.</summary>
    public async Task<bool> SetEnabledAsync(string actorId, string modelId, bool enabled, CancellationToken cancellationToken = default)
    {
        await EnsureAdministratorAsync(actorId);
        return await availability.SetDisabledAsync(Installed(modelId).Manifest.Id, !enabled, actorId, cancellationToken);
    }

    /// <summary>Adds a price version for the model; it applies to requests that start after it.</summary>
    public async Task<ModelPrice> SetPriceAsync(string actorId, string modelId, decimal inputEurPerMillionTokens, decimal outputEurPerMillionTokens, decimal imageEurPerMegapixelStep, CancellationToken cancellationToken = default)
    {
        await EnsureAdministratorAsync(actorId);
        return await prices.SetAsync(Installed(modelId).Manifest.Id, inputEurPerMillionTokens, outputEurPerMillionTokens, imageEurPerMegapixelStep, actorId, cancellationToken);
    }

    // The operator at the server's command line is trusted like the server itself.
    private async Task EnsureAdministratorAsync(string actorId)
    {
        if (actorId == AuditActions.CommandLine)
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        if (await users.FindByIdAsync(actorId) is not { } actor || !await users.IsInRoleAsync(actor, Roles.Admin))
        {
            throw new AdministratorRequiredException();
        }
    }

    private ModelStatus Installed(string modelId) =>
        (string.IsNullOrWhiteSpace(modelId) ? null : registry.Get(modelId.Trim())) ?? throw new ModelNotFoundException(modelId);
}
