using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Versioned prices per model. A change adds a new version row; usage events copy the unit prices they were charged
/// with, so old events keep old prices. <c>*</c> is the admin's default; without it the options' default applies.
/// </summary>
public sealed class PriceList(IDbContextFactory<AppDbContext> dbFactory, IOptions<BillingOptions> options, Privacy.AuditLog audit, TimeProvider time, ILogger<PriceList> logger)
{
    public const string DefaultModelId = "*";

    public async Task<ModelPrice> GetCurrentAsync(AppDbContext db, string modelId, CancellationToken cancellationToken = default)
    {
        var rows = await db.ModelPrices.AsNoTracking()
            .Where(p => p.ModelId == modelId || p.ModelId == DefaultModelId)
            .ToListAsync(cancellationToken);
        return rows.Where(p => p.ModelId == modelId).MaxBy(p => p.Version)
            ?? rows.Where(p => p.ModelId == DefaultModelId).MaxBy(p => p.Version)
            ?? FromOptions();
    }

    /// <summary>The newest version of every priced model plus the default.</summary>
    public async Task<IReadOnlyList<ModelPrice>> ListCurrentAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ModelPrices.AsNoTracking().ToListAsync(cancellationToken);
        var current = rows.GroupBy(p => p.ModelId).Select(g => g.MaxBy(p => p.Version)!).OrderBy(p => p.ModelId, StringComparer.Ordinal).ToList();
        if (current.All(p => p.ModelId != DefaultModelId))
        {
            current.Insert(0, FromOptions());
        }
        return current;
    }

    /// <summary>
    /// Adds a new price version for <paramref name="modelId"/>, with its audit entry in the same transaction. It applies
    /// to requests that reserve after it; a request in flight keeps the price it reserved with.
    /// </summary>
    public async Task<ModelPrice> SetAsync(string modelId, decimal inputEurPerMillion, decimal outputEurPerMillion, decimal imageEurPerMegapixelStep, string changedBy, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(modelId) || inputEurPerMillion < 0 || outputEurPerMillion < 0 || imageEurPerMegapixelStep < 0)
        {
            throw new ArgumentException("A model id and non-negative prices are required.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var version = (await db.ModelPrices.Where(p => p.ModelId == modelId).MaxAsync(p => (int?)p.Version, cancellationToken) ?? 0) + 1;
        var price = new ModelPrice
        {
            ModelId = modelId.Trim(),
            Version = version,
            InputMicrosPerMillionTokens = Money.FromEuro(inputEurPerMillion),
            OutputMicrosPerMillionTokens = Money.FromEuro(outputEurPerMillion),
            ImageMicrosPerMegapixelStep = Money.FromEuro(imageEurPerMegapixelStep),
            ValidFrom = time.GetUtcNow(),
            ChangedBy = changedBy,
        };
        db.ModelPrices.Add(price);
        db.AuditEntries.Add(audit.Create(changedBy, null, Privacy.AuditActions.PriceChanged,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{price.ModelId} v{version}: input {inputEurPerMillion} EUR/1M tokens, output {outputEurPerMillion} EUR/1M tokens, image {imageEurPerMegapixelStep} EUR/megapixel-step")));
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        logger.LogInformation("Price version {Version} for model {ModelId} set by {UserId}", version, price.ModelId, changedBy);
        return price;
    }

    /// <summary>Cost in micro-euros, rounded up.</summary>
    public static long Cost(ModelPrice price, int inputTokens, int outputTokens, int imageCount, int width, int height, int steps)
    {
        var tokens = (decimal)inputTokens * price.InputMicrosPerMillionTokens + (decimal)outputTokens * price.OutputMicrosPerMillionTokens;
        var pixelSteps = (decimal)imageCount * width * height * steps * price.ImageMicrosPerMegapixelStep;
        return (long)Math.Ceiling((tokens + pixelSteps) / 1_000_000m);
    }

    private ModelPrice FromOptions()
    {
        var o = options.Value;
        return new ModelPrice
        {
            Id = Guid.Empty,
            ModelId = DefaultModelId,
            Version = 0,
            InputMicrosPerMillionTokens = Money.FromEuro(o.DefaultInputEurPerMillionTokens),
            OutputMicrosPerMillionTokens = Money.FromEuro(o.DefaultOutputEurPerMillionTokens),
            ImageMicrosPerMegapixelStep = Money.FromEuro(o.DefaultImageEurPerMegapixelStep),
        };
    }
}
