using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptLeo.Web.Features.Knowledge;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// The API portal (demo models) with small knowledge limits and an index builder that records every chunk it is
/// handed, so a test can prove that another user's chunks never reach a search. The real builder still builds.
/// </summary>
public class KnowledgePortal : ApiPortalFactory
{
    public const long MaxDocumentBytes = 200_000;

    public RecordingIndexBuilder IndexBuilder { get; } = new();

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Knowledge:MaxDocumentBytes"] = MaxDocumentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Knowledge:MaxCollectionsPerUser"] = "3",
        // The demo embedding model's vectors carry no meaning: relevance comes from shared keywords alone.
        ["Knowledge:MinCosine"] = "1",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            var real = services.Last(d => d.ServiceType == typeof(IKnowledgeIndexBuilder));
            services.RemoveAll<IKnowledgeIndexBuilder>();
            services.AddSingleton<IKnowledgeIndexBuilder>(sp =>
            {
                IndexBuilder.Inner = (IKnowledgeIndexBuilder)ActivatorUtilities.CreateInstance(sp, real.ImplementationType!);
                return IndexBuilder;
            });
        });
    }

    public IKnowledgeService Knowledge => Services.GetRequiredService<IKnowledgeService>();

    /// <summary>Waits until the document is Ready or Failed.</summary>
    public async Task<KnowledgeDocumentSummary> SettledAsync(string userId, Guid collectionId, Guid documentId)
    {
        for (var i = 0; i < 600; i++)
        {
            var document = (await Knowledge.DocumentsAsync(userId, collectionId)).Single(d => d.Id == documentId);
            if (document.Status is KnowledgeDocumentStatus.Ready or KnowledgeDocumentStatus.Failed)
            {
                return document;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Document {documentId} did not settle in 60 s.");
    }

    /// <summary>Uploads and waits until the document has settled.</summary>
    public async Task<KnowledgeDocumentSummary> IngestAsync(string userId, Guid collectionId, string fileName, byte[] content)
    {
        var uploaded = await Knowledge.UploadAsync(userId, collectionId, fileName, new MemoryStream(content));
        return await SettledAsync(userId, collectionId, uploaded.Id);
    }
}

/// <summary>Builds with the real builder and records the chunks of every build.</summary>
public sealed class RecordingIndexBuilder : IKnowledgeIndexBuilder
{
    public IKnowledgeIndexBuilder Inner { get; set; } = null!;

    public ConcurrentQueue<IReadOnlyList<IndexedChunk>> Builds { get; } = new();

    public IKnowledgeIndex Build(IReadOnlyList<IndexedChunk> chunks)
    {
        Builds.Enqueue([.. chunks]);
        return Inner.Build(chunks);
    }
}
