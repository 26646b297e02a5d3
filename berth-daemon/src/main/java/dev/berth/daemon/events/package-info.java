/** The daemon's event stream ({@code GET /events}): a bounded log of past events and live subscribers. */
package dev.berth.daemon.events;
