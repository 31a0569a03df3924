/// The result of running every op's type rule over a graph without executing it.
public struct TypeInference: Sendable {
    /// Known types by value name (graph inputs, initializers, node outputs).
    public var types: [String: ValueType]
    /// Problems found on the way (a node whose inputs cannot fit its rule), in graph order.
    public var problems: [StrataError]
}

extension Graph {
    /// Propagates dtypes and shapes (symbolic where the inputs are) through the graph.
    /// Values a rule cannot determine are left out rather than guessed. `knownValues` adds values
    /// known before running beyond the initializers and `Constant` nodes (an engine's folded
    /// constant subgraphs), so that rules reading them (Reshape, Expand) can give shapes.
    public func inferTypes(knownValues: [String: Tensor] = [:]) -> TypeInference {
        var types: [String: ValueType] = valueTypes
        var shapeValues: [String: [Dim]] = [:]
        var constants: [String: Tensor] = initializers.merging(knownValues) { initializer, _ in initializer }
        var problems: [StrataError] = []
        for input in inputs { types[input.name] = input.type }
        for (name, t) in initializers { types[name] = t.type }

        let order = (try? topologicalOrder()) ?? Array(nodes.indices)
        for index in order {
            let node = nodes[index]
            if node.opType == "Constant", let value = try? node.typed(ConstantAttributes.self).value, let out = node.outputs.first {
                constants[out] = value
            }
            guard let schema = OpRegistry.schema(node.opType, domain: node.domain) else { continue }
            let context = InferenceContext(
                node: node,
                inputTypes: node.inputs.map { $0.isEmpty ? nil : types[$0] },
                constants: node.inputs.map { $0.isEmpty ? nil : constants[$0] },
                shapeValues: node.inputs.map { $0.isEmpty ? nil : shapeValues[$0] }
            )
            do {
                let outs = try schema.infer(context)
                for (name, t) in zip(node.outputs, outs) where !name.isEmpty {
                    // A declared concrete shape from the file beats a symbolic inferred one.
                    if let declared = types[name], declared.shape?.concrete != nil, t.shape?.concrete == nil { continue }
                    types[name] = t
                }
                if let rule = schema.shapeValue, let first = node.outputs.first, let value = try rule(context) {
                    shapeValues[first] = value
                }
            } catch is InferenceContext.Unknown {
                continue
            } catch let error as StrataError {
                problems.append(error.located(node.location))
            } catch {
                problems.append(error.strata(at: node.location))
            }
        }
        return TypeInference(types: types, problems: problems)
    }
}
