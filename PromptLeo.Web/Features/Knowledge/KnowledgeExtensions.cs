using PromptLeo.Web.Features.Knowledge.Documents;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Knowledge;

public static class KnowledgeExtensions
{
    /// <summary>Knowledge collections: options (<c>Knowledge</c> section), the service, the ingestion worker and their privacy parts.</summary>
    public static IHostApplicationBuilder AddPromptLeoKnowledge(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<KnowledgeOptions>().BindConfiguration(KnowledgeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddKnowledgeDocuments();
        services.AddSingleton<KnowledgeEvents>();
        services.AddSingleton<KnowledgeChunkCodec>();
        services.AddSingleton<KnowledgeIndexCache>();
        // Erasure, restriction and a reconnected bus drop the cached (decrypted) indexes on every node.
        services.AddSingleton<Cluster.IClusterInvalidationHandler>(sp => sp.GetRequiredService<KnowledgeIndexCache>());
        services.AddSingleton<KnowledgeIngestion>();
        services.AddHostedService(sp => sp.GetRequiredService<KnowledgeIngestion>());
        services.AddSingleton<KnowledgeService>();
        services.AddSingleton<IKnowledgeService>(sp => sp.GetRequiredService<KnowledgeService>());
        services.AddSingleton<IExportContributor, KnowledgeExportContributor>();
        services.AddSingleton<IErasureParticipant, KnowledgeErasureParticipant>();
        services.AddSingleton<IRetentionParticipant, KnowledgeRetentionParticipant>();
        return builder;
    }
}
