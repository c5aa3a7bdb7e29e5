/** Options of `nx g @grpc-ts/tools:service`; see schema.json for their meaning. */
export interface ServiceGeneratorSchema {
  name: string;
  port?: number;
  skipGenerate?: boolean;
}
