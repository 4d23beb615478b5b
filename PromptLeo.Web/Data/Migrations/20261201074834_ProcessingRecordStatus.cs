using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PromptLeo.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class ProcessingRecordStatus : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "FinishedAt",
                table: "ProcessingRecords",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_ProcessingRecords_Outcome_Node",
                table: "ProcessingRecords",
                columns: new[] { "Outcome", "Node" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ProcessingRecords_Outcome_Node",
                table: "ProcessingRecords");

            migrationBuilder.DropColumn(
                name: "FinishedAt",
                table: "ProcessingRecords");
        }
    }
}
