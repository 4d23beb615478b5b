using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptLeo.Web.Features.Knowledge.Retrieval;

namespace PromptLeo.Web.Features.Knowledge.Documents;

public static class KnowledgeDocumentsRegistration
{
    /// <summary>
    /// The document library: extraction, chunking and the index builder (stateless singletons). The caller binds
    /// <see cref="KnowledgeOptions"/>; without binding the defaults apply.
    /// </summary>
    public static IServiceCollection AddKnowledgeDocuments(this IServiceCollection services)
    {
        services.AddOptions<KnowledgeOptions>();
        services.TryAddSingleton<IDocumentExtractor, DocumentExtractor>();
        services.TryAddSingleton<IDocumentChunker, DocumentChunker>();
        services.TryAddSingleton<IKnowledgeIndexBuilder, KnowledgeIndexBuilder>();
        return services;
    }
}
