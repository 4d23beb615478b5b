using Microsoft.Extensions.Options;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.RemoteInference;

namespace PromptLeo.Web.Features.Portal;

/// <summary>What a model costs on the public price list, as the landing page shows it.</summary>
public sealed record LandingModel(string Id, string Name, ModelKind Kind, ModelPrice Price);

/// <summary>
/// The landing page's facts, read from the same sources the rest of the portal uses: the offered models (installed and
/// remote), the public price list (organization null) and the hosting settings the DPA prints.
/// </summary>
public sealed class LandingCatalog(IModelRegistry registry, ModelAvailability availability, RemoteEndpointCatalog remote, PriceList prices,
    IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting)
{
    public string Region => hosting.Value.Region;

    /// <summary>The hosting locations of the DPA in the page's language (the English list where no German one is set).</summary>
    public IReadOnlyList<string> Locations(bool german) =>
        german && privacy.Value.HostingLocationsGerman.Count > 0 ? privacy.Value.HostingLocationsGerman : privacy.Value.HostingLocations;

    /// <summary>Every offered model with the public price it is charged at: its own entry, else the list's default.</summary>
    public async Task<IReadOnlyList<LandingModel>> ModelsAsync(CancellationToken cancellationToken = default)
    {
        var list = await prices.ListCurrentAsync(cancellationToken);
        var fallback = list.First(p => p.ModelId == PriceList.DefaultModelId);
        ModelPrice PriceOf(string id) => list.FirstOrDefault(p => p.ModelId == id) ?? fallback;
        var installed = registry.List().Select(m => m.Manifest)
            .Where(m => availability.IsOffered(m.Id))
            .Select(m => new LandingModel(m.Id, m.DisplayName, m.Kind, PriceOf(m.Id)));
        var served = remote.Models()
            .Where(m => registry.Get(m.Id) is null && availability.IsOffered(m.Id))
            .Select(m => new LandingModel(m.Id, m.Id, m.Kind == RemoteModelKinds.Image ? ModelKind.Diffusion : ModelKind.Chat, PriceOf(m.Id)));
        return [.. installed.Concat(served).DistinctBy(m => m.Id).OrderBy(m => m.Kind).ThenBy(m => m.Name, StringComparer.OrdinalIgnoreCase)];
    }
}
