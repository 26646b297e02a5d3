/**
 * Moving images between berthd and registries: the registry client (endpoints, TLS, basic and
 * bearer-token auth), manifest and index resolution, pull (download, verify and extract layers
 * concurrently, store the image in one transaction), push, and docker's save/load archives.
 */
package dev.berth.daemon.distribution;
