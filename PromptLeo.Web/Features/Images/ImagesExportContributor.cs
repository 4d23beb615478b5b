using System.IO.Compression;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Images;

/// <summary>The image studio's part in the Art. 15/20 export: every stored image as PNG, with an index of its parameters.</summary>
public sealed class ImagesExportContributor(UserContentCipher cipher, EncryptedFileStore files) : IExportContributor
{
    /// <summary>One step per image.</summary>
    public Task<int> CountStepsAsync(AppDbContext db, string userId, CancellationToken cancellationToken) =>
        db.GeneratedImages.CountAsync(i => i.UserId == userId, cancellationToken);

    public async Task<IReadOnlyDictionary<string, int>> WriteAsync(ExportArchive archive, AppDbContext db, CancellationToken cancellationToken)
    {
        var userId = archive.UserId;
        var counts = new Dictionary<string, int>();
        var imageIds = await db.GeneratedImages.Where(i => i.UserId == userId).OrderBy(i => i.CreatedAt).Select(i => i.Id).ToListAsync(cancellationToken);
        // PNG entries first (a ZIP takes one open entry at a time); the index follows with the small metadata.
        counts["images"] = imageIds.Count;
        var index = new List<(GeneratedImage Image, string? File, byte[] Parameters)>();
        foreach (var id in imageIds)
        {
            var image = await db.GeneratedImages.AsNoTracking().FirstAsync(i => i.Id == id, cancellationToken);
            var png = await files.ReadAsync(userId, image.FileName, ContentPurpose.ImageFile, cancellationToken);
            var name = $"images/{image.Id:N}.png";
            if (png is not null)
            {
                var entry = archive.Zip.CreateEntry(name, CompressionLevel.NoCompression);
                await using var entryStream = await entry.OpenAsync(cancellationToken);
                await entryStream.WriteAsync(png, cancellationToken);
            }
            index.Add((image, png is null ? null : name, await cipher.DecryptAsync(userId, ContentPurpose.ImageParameters, image.ParametersCipher, cancellationToken)));
            await archive.StepAsync();
        }
        await archive.WriteJsonAsync("images/index.json", w =>
        {
            w.WriteStartArray();
            foreach (var (image, file, parameters) in index)
            {
                w.WriteStartObject();
                w.WriteString("id", image.Id);
                w.WriteString("file", file);
                w.WriteString("kind", image.Kind);
                w.WriteString("model", image.ModelId);
                w.WriteNumber("width", image.Width);
                w.WriteNumber("height", image.Height);
                w.WritePropertyName("parameters");
                using (var document = JsonDocument.Parse(parameters))
                {
                    document.WriteTo(w);
                }
                w.WriteString("createdAt", image.CreatedAt);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });

        return counts;
    }
}
