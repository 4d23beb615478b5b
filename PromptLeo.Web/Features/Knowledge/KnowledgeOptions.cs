using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Knowledge;

/// <summary>Limits and retrieval settings of knowledge collections (section <c>Knowledge</c>).</summary>
public sealed class KnowledgeOptions
{
    public const string SectionName = "Knowledge";

    /// <summary>The embedding model for new collections; empty = the first installed embedding model.</summary>
    public string EmbeddingModel { get; set; } = "";

    [Range(1, 1_000_000_000)]
    public long MaxDocumentBytes { get; set; } = 20 * 1024 * 1024;

    [Range(1, 100_000)]
    public int MaxPages { get; set; } = 2_000;

    [Range(1, 10_000)]
    public int MaxCollectionsPerUser { get; set; } = 50;

    [Range(1, 100_000)]
    public int MaxDocumentsPerCollection { get; set; } = 500;

    /// <summary>Target size of a chunk in characters (about a quarter as many tokens).</summary>
    [Range(200, 20_000)]
    public int ChunkCharacters { get; set; } = 1_200;

    [Range(0, 5_000)]
    public int ChunkOverlapCharacters { get; set; } = 150;

    /// <summary>Passages put into a chat prompt.</summary>
    [Range(1, 50)]
    public int TopK { get; set; } = 5;

    /// <summary>Cosine similarity from which a chunk counts as relevant without a shared keyword.</summary>
    [Range(-1.0, 1.0)]
    public double MinCosine { get; set; } = 0.5;
}
